/** docker diff / export / the layer tar of a container's changes, from the overlay upper dir. */
import { lstatSync, readdirSync, type Stats } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { ContainerChange } from "../../api/types/containers.js";
import { OVERLAY_OPAQUE_XATTR, packDir } from "../../archive/index.js";
import { InvalidArgumentError } from "../../errdefs/index.js";
import { lgetxattr } from "../../native/index.js";
import type { ContainerFs } from "./types.js";

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function upperOf(fs: ContainerFs): string {
  if (!fs.upperDir) throw new InvalidArgumentError("container has no writable layer");
  return fs.upperDir;
}

/** Changes sorted by path: 0 modified, 1 added, 2 deleted. */
export async function changes(fs: ContainerFs): Promise<ContainerChange[]> {
  const upper = upperOf(fs);
  const lowers = fs.lowerDirs ?? [];
  const out: ContainerChange[] = [];
  const inLower = (rel: string): boolean => lowers.some((l) => lstatOrNull(path.join(l, rel)) !== null);
  const walk = (rel: string): void => {
    const dir = path.join(upper, rel);
    for (const name of readdirSync(dir).sort()) {
      const r = path.posix.join(rel, name);
      const st = lstatSync(path.join(upper, r));
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ Path: r, Kind: 2 });
        continue;
      }
      out.push({ Path: r, Kind: inLower(r) ? 0 : 1 });
      if (st.isDirectory()) {
        if (lgetxattr(Buffer.from(path.join(upper, r)), OVERLAY_OPAQUE_XATTR)?.toString() === "y") {
          const hidden = new Set<string>();
          for (const l of lowers) {
            const ls = lstatOrNull(path.join(l, r));
            if (ls?.isDirectory()) for (const n of readdirSync(path.join(l, r))) hidden.add(n);
          }
          for (const n of hidden) if (lstatOrNull(path.join(upper, r, n)) === null) out.push({ Path: path.posix.join(r, n), Kind: 2 });
        }
        walk(r);
      }
    }
  };
  walk("/");
  out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
  return out;
}

/** A layer tar (uncompressed) of the container's changes: whiteouts as .wh. files, opaque dirs as .wh..wh..opq. */
export function diffTar(fs: ContainerFs): Readable {
  return packDir(upperOf(fs), { overlayWhiteouts: true });
}

/** A tar of the whole rootfs, without the contents of extra mounts (docker export). */
export function exportRootfs(fs: ContainerFs): Readable {
  const skip = fs.extraMounts.map((m) => path.posix.normalize("/" + m.destination).slice(1)).filter((d) => d !== "");
  return packDir(fs.rootfs, {
    filter: (rel) => {
      const r = rel.toString();
      return !skip.some((d) => r.startsWith(d + "/"));
    },
  });
}
