import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { applyLayer, packDir, walkTar } from "../../src/archive/index.js";
import { MNT_DETACH, S_IFCHR, S_IFIFO, lgetxattr, lsetxattr, mknod, mount, umount2 } from "../../src/native/index.js";
import { sandbox } from "../fixtures/tars/tar-fixtures.js";

async function bytesOf(r: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** A comparable description of a tree: type, mode, owner, size, rdev, link target, xattrs, hardlink groups. */
function describe(root: string): string[] {
  const out: string[] = [];
  const inodes = new Map<number, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(root, r);
      const st = lstatSync(p);
      const link = st.isSymbolicLink() ? execFileSync("readlink", [p]).toString().trim() : "";
      const cap = lgetxattr(p, "security.capability")?.toString("hex") ?? "";
      const user = st.isSymbolicLink() ? "" : (lgetxattr(p, "user.k")?.toString("hex") ?? "");
      const first = st.isFile() && st.nlink > 1 ? (inodes.get(st.ino) ?? (inodes.set(st.ino, r), r)) : "";
      const mtime = st.isDirectory() ? "" : Math.floor(st.mtimeMs / 1000);
      out.push(`${r} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isFile() ? st.size : ""} ${st.rdev} ${link} ${cap} ${user} ${first} ${mtime}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk("");
  return out;
}

test("packDir → applyLayer reproduces a tree (devices, hardlinks, xattrs, modes); output is deterministic", async (t) => {
  const sb = await sandbox(t);
  const src = join(sb.base, "src");
  mkdirSync(join(src, "bin"), { recursive: true });
  writeFileSync(join(src, "bin/ping"), "elf");
  chmodSync(join(src, "bin/ping"), 0o4755);
  chownSync(join(src, "bin/ping"), 0, 0);
  lsetxattr(join(src, "bin/ping"), "security.capability", Buffer.from("0100000200040000000000000000000000000000", "hex"));
  lsetxattr(join(src, "bin/ping"), "user.k", Buffer.from([0xff, 0x00, 0x80]));
  lsetxattr(join(src, "bin"), "trusted.overlay.origin", Buffer.from("x")); // never packed
  linkSync(join(src, "bin/ping"), join(src, "bin/ping6"));
  symlinkSync("ping", join(src, "bin/p"));
  mkdirSync(join(src, "dev"));
  mknod(join(src, "dev/null"), S_IFCHR | 0o666, 1, 3);
  mknod(join(src, "fifo"), S_IFIFO | 0o600);
  writeFileSync(join(src, "big"), Buffer.alloc(100_000, 3));
  chownSync(join(src, "big"), 3000000, 42);
  mkdirSync(join(src, "tmp"), 0o1777);
  chmodSync(join(src, "tmp"), 0o1777);

  const tar1 = await bytesOf(packDir(src));
  const tar2 = await bytesOf(packDir(src));
  assert.ok(tar1.equals(tar2), "deterministic");
  const names: string[] = [];
  for await (const e of walkTar([tar1])) {
    names.push(`${e.name}:${e.type}`);
    assert.ok(![...e.xattrs.keys()].some((k) => k.startsWith("trusted.overlay.")));
  }
  assert.deepEqual(names, [
    "big:file", "bin/:dir", "bin/p:symlink", "bin/ping:file", "bin/ping6:hardlink", "dev/:dir", "dev/null:char", "fifo:fifo", "tmp/:dir",
  ]);
  await applyLayer([tar1], sb.dest, { whiteouts: "overlay" });
  assert.deepEqual(describe(sb.dest), describe(src));
});

test("packDir of an overlay upper dir turns whiteouts and opaque dirs into a layer that replays the change", async (t) => {
  const sb = await sandbox(t);
  const [lower, upper, work, merged, copy] = ["lower", "upper", "work", "merged", "copy"].map((d) => join(sb.base, d)) as [string, string, string, string, string];
  for (const d of [lower, upper, work, merged]) mkdirSync(d);
  mkdirSync(join(lower, "etc/conf.d"), { recursive: true });
  writeFileSync(join(lower, "etc/a"), "a");
  writeFileSync(join(lower, "etc/b"), "b");
  writeFileSync(join(lower, "etc/conf.d/old"), "old");
  mount("overlay", merged, "overlay", 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
  let mounted = true;
  t.after(() => {
    if (mounted) umount2(merged, MNT_DETACH);
  });
  unlinkSync(join(merged, "etc/a"));
  writeFileSync(join(merged, "etc/b"), "changed");
  rmSync(join(merged, "etc/conf.d"), { recursive: true });
  mkdirSync(join(merged, "etc/conf.d"));
  writeFileSync(join(merged, "etc/conf.d/new"), "new");
  const expected = describe(merged);
  umount2(merged, 0);
  mounted = false;

  const tar = await bytesOf(packDir(upper, { overlayWhiteouts: true }));
  const names: string[] = [];
  for await (const e of walkTar([tar])) names.push(e.name);
  assert.ok(names.includes("etc/.wh.a"), names.join());
  assert.ok(names.includes("etc/conf.d/.wh..wh..opq"), names.join());
  execFileSync("cp", ["-a", lower, copy]);
  await applyLayer([tar], copy, { whiteouts: "delete" });
  const strip = (lines: string[]): string[] => lines.map((l) => l.replace(/ \d*$/, "")); // mtimes of copied-up files differ
  assert.deepEqual(strip(describe(copy)), strip(expected));
  assert.equal(readFileSync(join(copy, "etc/b"), "utf8"), "changed");
});
