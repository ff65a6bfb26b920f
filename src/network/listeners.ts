/**
 * Why a published port resets: the process inside listens on the container's loopback only, which
 * DNAT'd traffic (addressed to the container's eth0) never reaches. Read from /proc/<pid>/net/tcp{,6},
 * which show the sockets of that process's network namespace.
 */
import { readFile } from "node:fs/promises";

export interface Listener {
  ip: string;
  port: number;
}

function ipv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  // /proc prints the address as a host-order (little-endian here) 32-bit word
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join(".");
}

function ipv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    const le = (w.match(/../g) ?? []).reverse().join("");
    words.push(le.slice(0, 4), le.slice(4, 8));
  }
  const s = words.map((w) => w.replace(/^0{1,3}/, "")).join(":");
  if (s === "0:0:0:0:0:0:0:0") return "::";
  if (s === "0:0:0:0:0:0:0:1") return "::1";
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(s);
  if (mapped) {
    const hi = Number.parseInt(mapped[1] ?? "0", 16);
    const lo = Number.parseInt(mapped[2] ?? "0", 16);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return s;
}

/** LISTEN sockets (state 0A) in the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || f[3] !== "0A") continue;
    const [addr = "", port = ""] = local.split(":");
    out.push({ ip: addr.length === 32 ? ipv6(addr) : ipv4(addr), port: Number.parseInt(port, 16) });
  }
  return out;
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

/**
 * For each TCP container port, a sentence when every listener on it is bound to loopback (the reason
 * published connections to it are reset); nothing when it listens elsewhere or not at all.
 */
export function explainLoopbackListeners(listeners: readonly Listener[], ports: readonly { containerPort: number; hostIp: string; hostPort: number }[]): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const p of ports) {
    if (seen.has(p.containerPort)) continue;
    seen.add(p.containerPort);
    const on = listeners.filter((l) => l.port === p.containerPort);
    if (on.length === 0 || !on.every((l) => isLoopback(l.ip))) continue;
    const where = on.map((l) => (l.ip.includes(":") ? `[${l.ip}]:${l.port}` : `${l.ip}:${l.port}`)).join(" and ");
    out.push(
      `port ${p.containerPort}/tcp is published on ${p.hostIp || "0.0.0.0"}:${p.hostPort}, but the process inside listens on ${where} only, ` +
        `so connections through the published port are reset; make it listen on 0.0.0.0 (all addresses) inside the container`,
    );
  }
  return out;
}

/** Reads the listeners of the network namespace `pid` lives in (empty when it is gone). */
export async function listenersOf(pid: number): Promise<Listener[]> {
  const read = (f: string): Promise<string> => readFile(`/proc/${pid}/net/${f}`, "utf8").catch(() => "");
  const [v4, v6] = await Promise.all([read("tcp"), read("tcp6")]);
  return [...parseProcNetTcp(v4), ...parseProcNetTcp(v6)];
}
