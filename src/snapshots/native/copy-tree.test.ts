import assert from "node:assert/strict";
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as native from "../../native/index.js";
import { copyTree } from "./copy-tree.js";

// Unit tier: what an unprivileged user can create. Owners and devices are checked by the root-tier suite.
test("copyTree keeps modes, times, symlinks, hardlinks, fifos, user xattrs and raw names", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-copytree-"));
  t.after(() => {
    chmodSync(path.join(dir, "src", "ro"), 0o755);
    chmodSync(path.join(dir, "dst", "ro"), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });
  const src = path.join(dir, "src");
  const dst = path.join(dir, "dst");
  mkdirSync(path.join(src, "a", "b"), { recursive: true });
  mkdirSync(dst);
  writeFileSync(path.join(src, "a", "b", "deep.txt"), "deep");
  writeFileSync(path.join(src, "suid"), "x");
  chmodSync(path.join(src, "suid"), 0o4751);
  writeFileSync(path.join(src, "h1"), "linked");
  linkSync(path.join(src, "h1"), path.join(src, "a", "h2"));
  linkSync(path.join(src, "h1"), path.join(src, "a", "b", "h3"));
  symlinkSync("../nowhere", path.join(src, "a", "dangling"));
  symlinkSync("/etc/passwd", path.join(src, "abs"));
  native.mknod(path.join(src, "fifo"), native.S_IFIFO | 0o600);
  native.lsetxattr(path.join(src, "h1"), "user.berth", Buffer.from([0, 1, 2, 255]));
  const raw = Buffer.concat([Buffer.from(src + "/"), Buffer.from([0x66, 0xff, 0xfe])]);
  writeFileSync(raw, "not utf-8");
  mkdirSync(path.join(src, "ro"));
  writeFileSync(path.join(src, "ro", "inside"), "i");
  chmodSync(path.join(src, "ro"), 0o555);
  utimesSync(path.join(src, "a"), 1_000_000, 1_000_000.5);

  await copyTree(src, dst);

  const d = (n: string): string => path.join(dst, n);
  assert.equal(readFileSync(d("a/b/deep.txt"), "utf8"), "deep");
  assert.equal(lstatSync(d("suid")).mode & 0o7777, 0o4751);
  assert.equal(lstatSync(d("h1")).ino, lstatSync(d("a/h2")).ino);
  assert.equal(lstatSync(d("h1")).ino, lstatSync(d("a/b/h3")).ino);
  assert.notEqual(lstatSync(d("h1")).ino, lstatSync(path.join(src, "h1")).ino);
  assert.equal(lstatSync(d("h1")).nlink, 3);
  assert.deepEqual(native.lgetxattr(d("h1"), "user.berth"), Buffer.from([0, 1, 2, 255]));
  assert.equal(readlinkSync(d("a/dangling")), "../nowhere");
  assert.equal(readlinkSync(d("abs")), "/etc/passwd");
  assert.ok(lstatSync(d("fifo")).isFIFO());
  assert.equal(lstatSync(d("fifo")).mode & 0o777, 0o600);
  assert.ok(readdirSync(dst, { encoding: "buffer" }).some((n) => n.equals(Buffer.from([0x66, 0xff, 0xfe]))));
  assert.equal(lstatSync(d("ro")).mode & 0o777, 0o555);
  assert.equal(readFileSync(d("ro/inside"), "utf8"), "i");
  assert.equal(lstatSync(d("a")).mtimeMs, lstatSync(path.join(src, "a")).mtimeMs);
  // The copy is independent of the source.
  writeFileSync(d("a/b/deep.txt"), "changed");
  assert.equal(readFileSync(path.join(src, "a/b/deep.txt"), "utf8"), "deep");
});
