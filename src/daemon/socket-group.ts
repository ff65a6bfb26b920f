/** The API socket's group: `berth` when that group exists (docker's `docker` group), else root. */
import { chownSync, readFileSync } from "node:fs";

/** The gid of `name` from /etc/group, or undefined. */
export function groupId(name: string, groupFile = "/etc/group"): number | undefined {
  let text: string;
  try {
    text = readFileSync(groupFile, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [group, , gid] = line.split(":");
    if (group === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** Gives the socket to root:berth (or root:root); returns the group name used. */
export function setSocketGroup(socketPath: string, groupName = "berth"): string {
  const gid = groupId(groupName);
  if (process.getuid?.() !== 0) return "(unchanged: not root)";
  chownSync(socketPath, 0, gid ?? 0);
  return gid === undefined ? "root" : groupName;
}
