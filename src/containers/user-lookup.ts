import { InvalidArgumentError } from "../errdefs/index.js";

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

/**
 * The label the builder puts on a RUN step's container: its process gets BuildKit's groups (those
 * /etc/group lists the user in), not docker run's (the primary group as well).
 */
export const BUILD_STEP_LABEL = "berth.internal.build-step";

/**
 * Resolves docker's `-u user[:group]` against a rootfs's /etc/passwd and /etc/group texts (read safely by the caller,
 * without following symlinks out of the rootfs). Numeric ids need no entry; names must exist, like docker.
 */
export function resolveUser(spec: string, passwd: string, group: string, opts: { primaryAsSupplementary?: boolean } = {}): ResolvedUser {
  const [userPart = "", groupPart] = spec.split(":", 2);
  const users = passwd.split("\n").map((l) => l.split(":")).filter((f) => f.length >= 7);
  const groups = group.split("\n").map((l) => l.split(":")).filter((f) => f.length >= 4);
  let uid = 0;
  let gid = 0;
  let home = "/";
  let name = "root";
  const u = userPart === "" ? users.find((f) => f[2] === "0") : users.find((f) => f[0] === userPart || f[2] === userPart);
  if (u) {
    name = u[0] ?? "";
    uid = Number(u[2]);
    gid = Number(u[3]);
    home = u[5] || "/";
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    name = "";
  } else if (userPart !== "") {
    throw new InvalidArgumentError(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (groupPart !== undefined && groupPart !== "") {
    const g = groups.find((f) => f[0] === groupPart || f[2] === groupPart);
    if (g) gid = Number(g[2]);
    else if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else throw new InvalidArgumentError(`unable to find group ${groupPart}: no matching entries in group file`);
  }
  // docker run's processes hold their primary group as a supplementary one too (`id` shows
  // groups=<gid>), then the groups /etc/group lists the user in; BuildKit's RUN only the latter
  const memberOf = name === "" ? [] : groups.filter((f) => (f[3] ?? "").split(",").includes(name)).map((f) => Number(f[2]));
  const additionalGids = [...(opts.primaryAsSupplementary === false ? [] : [gid]), ...memberOf.filter((g) => g !== gid)];
  return { uid, gid, additionalGids, home };
}
