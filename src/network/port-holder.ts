/** Who listens on a host port: /proc/net/{tcp,tcp6,udp,udp6} → socket inode → the process holding it. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function inodesOn(port: number, proto: "tcp" | "udp" | "sctp"): Set<string> {
  const out = new Set<string>();
  if (proto === "sctp") return out;
  for (const f of [proto, `${proto}6`]) {
    let text = "";
    try {
      text = readFileSync(`/proc/net/${f}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const state = cols[3];
      const inode = cols[9];
      if (!local || !inode) continue;
      if (proto === "tcp" && state !== "0A") continue; // LISTEN
      if (parseInt(local.split(":")[1] ?? "", 16) === port) out.add(inode);
    }
  }
  return out;
}

/** "nginx (pid 1234)", or undefined when no process in this network namespace holds the port. */
export function portHolder(port: number, proto: "tcp" | "udp" | "sctp"): string | undefined {
  const inodes = inodesOn(port, proto);
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = "";
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1] ?? "")) {
        let comm = "";
        try {
          comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        } catch {
          // gone
        }
        return `${comm || "process"} (pid ${pid})`;
      }
    }
  }
  return undefined;
}
