import assert from "node:assert/strict";
import { type Stats, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { applyLayer, type TarWriteEntry } from "../../src/archive/index.js";
import { lgetxattr } from "../../src/native/index.js";
import { sandbox, tarOf, type Sandbox } from "../fixtures/tars/tar-fixtures.js";

/** Applies entries; asserts the outcome matches `expect` (a RegExp for a refusal) and nothing outside dest changed. */
async function attempt(sb: Sandbox, entries: TarWriteEntry[], expect: RegExp | "ok", mode: "overlay" | "delete" = "delete"): Promise<void> {
  const before = sb.outsideState();
  const run = applyLayer(await tarOf(entries), sb.dest, { whiteouts: mode });
  if (expect === "ok") await run;
  else await assert.rejects(run, expect);
  assert.deepEqual(sb.outsideState(), before, "nothing outside dest changed");
  assert.equal(readFileSync(join(sb.outside, "secret"), "utf8"), "secret");
}

test("refuses `..` entries that leave the root, accepts ones that stay inside", async (t) => {
  const sb = await sandbox(t);
  await attempt(sb, [{ name: "../outside/pwned", type: "file", source: Buffer.from("x") }], /"\.\.\/outside\/pwned" escapes the layer root/);
  await attempt(sb, [{ name: "a/../../escape", type: "dir" }], /escapes the layer root/);
  await attempt(sb, [{ name: "./a/../b", type: "file", source: Buffer.from("in") }], "ok");
  assert.equal(readFileSync(join(sb.dest, "b"), "utf8"), "in");
  assert.equal(existsSync(join(sb.base, "escape")), false);
});

test("refuses absolute paths; accepts ./ prefixes", async (t) => {
  const sb = await sandbox(t);
  const abs = join(sb.outside, "abs");
  await attempt(sb, [{ name: abs, type: "file", source: Buffer.from("x") }], /absolute path/);
  assert.equal(existsSync(abs), false);
  await attempt(sb, [{ name: "./dot", type: "file", source: Buffer.from("ok") }], "ok");
  assert.equal(readFileSync(join(sb.dest, "dot"), "utf8"), "ok");
});

test("never writes through a symlink from the layer (absolute, relative, dir, replaced dir)", async (t) => {
  const sb = await sandbox(t);
  const cases: TarWriteEntry[][] = [
    [{ name: "a", type: "symlink", linkname: sb.outside }, { name: "a/x", type: "file", source: Buffer.from("pwned") }],
    [{ name: "b", type: "symlink", linkname: "../outside" }, { name: "b/y", type: "file", source: Buffer.from("pwned") }],
    [{ name: "c", type: "symlink", linkname: "../outside" }, { name: "c/sub/deeper", type: "dir" }],
    [{ name: "d", type: "dir" }, { name: "d/ok", type: "file" }, { name: "d", type: "symlink", linkname: sb.outside }, { name: "d/z", type: "file" }],
    [{ name: "e", type: "symlink", linkname: "../outside" }, { name: "e/secret", type: "symlink", linkname: "/etc/passwd" }],
    [{ name: "f", type: "symlink", linkname: "../outside" }, { name: "f/.wh.secret", type: "file" }],
  ];
  for (const entries of cases) await attempt(sb, entries, /through symlink/);
  for (const entries of cases.slice(-1)) await attempt(sb, entries, /through symlink/, "overlay");
  assert.deepEqual(readdirSync(sb.outside), ["secret"]);
});

test("never writes through a symlink already in dest; replaces it instead", async (t) => {
  const sb = await sandbox(t);
  symlinkSync(sb.outside, join(sb.dest, "pre"));
  await attempt(sb, [{ name: "pre/secret", type: "file", source: Buffer.from("pwned") }], /through symlink "pre"/);
  symlinkSync(join(sb.outside, "secret"), join(sb.dest, "file"));
  await attempt(sb, [{ name: "file", type: "file", source: Buffer.from("new"), mode: 0o644 }], "ok");
  assert.ok(lstatSync(join(sb.dest, "file")).isFile());
  assert.equal(readFileSync(join(sb.dest, "file"), "utf8"), "new");
});

test("hardlinks must stay inside; a hardlink to an escaping symlink links the symlink itself", async (t) => {
  const sb = await sandbox(t);
  await attempt(sb, [{ name: "h", type: "hardlink", linkname: "../outside/secret" }], /outside the layer root/);
  await attempt(sb, [{ name: "h", type: "hardlink", linkname: join(sb.outside, "secret") }], /outside the layer root/);
  await attempt(sb, [{ name: "s", type: "symlink", linkname: sb.outside }, { name: "h", type: "hardlink", linkname: "s/secret" }], /through symlink/);
  await attempt(sb, [{ name: "h", type: "hardlink", linkname: "missing" }], /does not exist/);
  await attempt(
    sb,
    [
      { name: "esc", type: "symlink", linkname: join(sb.outside, "secret") },
      { name: "h2", type: "hardlink", linkname: "esc" },
      { name: "h2", type: "file", source: Buffer.from("replaced, not written through") },
      { name: "h3", type: "hardlink", linkname: "./esc" },
    ],
    "ok",
  );
  assert.equal(readlinkSync(join(sb.dest, "h3")), join(sb.outside, "secret"));
  assert.equal(lstatSync(join(sb.dest, "h3")).ino, lstatSync(join(sb.dest, "esc")).ino);
  assert.equal(readFileSync(join(sb.dest, "h2"), "utf8"), "replaced, not written through");
  await attempt(sb, [{ name: "f", type: "file", source: Buffer.from("1") }, { name: "g", type: "hardlink", linkname: "f" }], "ok");
  assert.equal(lstatSync(join(sb.dest, "g")).ino, lstatSync(join(sb.dest, "f")).ino);
});

test("creates devices and fifos; keeps setuid/setgid/sticky bits and owners", async (t) => {
  const sb = await sandbox(t);
  await attempt(
    sb,
    [
      { name: "dev", type: "dir", mode: 0o755 },
      { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
      { name: "dev/loop9", type: "block", devmajor: 7, devminor: 300, mode: 0o660, gid: 6 },
      { name: "pipe", type: "fifo", mode: 0o620 },
      { name: "suid", type: "file", source: Buffer.from("#!"), mode: 0o4755, uid: 1000, gid: 1000 },
      { name: "sgid", type: "dir", mode: 0o2775, uid: 3000000, gid: 50 },
      { name: "tmp", type: "dir", mode: 0o1777, mtime: 1234567890 },
      { name: "tmp/in", type: "file", mtime: 1000 },
      { name: "sgidnode", type: "char", devmajor: 1, devminor: 5, mode: 0o2666, uid: 5 },
    ],
    "ok",
  );
  const st = (p: string): Stats => lstatSync(join(sb.dest, p));
  assert.ok(st("dev/null").isCharacterDevice());
  assert.equal(st("dev/null").rdev, (1 << 8) | 3);
  assert.equal(st("dev/null").mode & 0o7777, 0o666);
  assert.ok(st("dev/loop9").isBlockDevice());
  assert.equal(st("dev/loop9").rdev, (7 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12));
  assert.equal(st("dev/loop9").gid, 6);
  assert.ok(st("pipe").isFIFO());
  assert.equal(st("pipe").mode & 0o7777, 0o620);
  assert.equal(st("suid").mode & 0o7777, 0o4755);
  assert.deepEqual([st("suid").uid, st("suid").gid], [1000, 1000]);
  assert.equal(st("sgid").mode & 0o7777, 0o2775);
  assert.equal(st("sgid").uid, 3000000);
  assert.equal(st("tmp").mode & 0o7777, 0o1777);
  assert.equal(st("tmp").mtimeMs, 1234567890 * 1000, "dir mtime set after its contents");
  assert.equal(st("tmp/in").mtimeMs, 1000 * 1000);
  assert.equal(st("sgidnode").mode & 0o7777, 0o2666);
});

test("keeps file capabilities and binary xattrs; never applies trusted.overlay.* from a tar", async (t) => {
  const sb = await sandbox(t);
  // cap_net_bind_service=ep, VFS_CAP_REVISION_2
  const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const bin = Buffer.from([0xff, 0xfe, 0x80, 0x00, 0x01]);
  const warnings: string[] = [];
  const tar = await tarOf([
    { name: "ping", type: "file", source: Buffer.from("elf"), mode: 0o755, uid: 1, gid: 1, xattrs: { "security.capability": cap, "user.bin": bin } },
    { name: "opq", type: "dir", xattrs: { "trusted.overlay.opaque": Buffer.from("y"), "trusted.overlay.redirect": Buffer.from("/etc") } },
    { name: "lnk", type: "symlink", linkname: "ping", xattrs: { "user.x": Buffer.from("1") } },
  ]);
  await applyLayer(tar, sb.dest, { whiteouts: "overlay", onWarning: (w) => warnings.push(w) });
  assert.deepEqual(lgetxattr(join(sb.dest, "ping"), "security.capability"), cap);
  assert.deepEqual(lgetxattr(join(sb.dest, "ping"), "user.bin"), bin);
  assert.equal(lgetxattr(join(sb.dest, "opq"), "trusted.overlay.opaque"), undefined);
  assert.equal(lgetxattr(join(sb.dest, "opq"), "trusted.overlay.redirect"), undefined);
  assert.ok(warnings.some((w) => w.includes("trusted.overlay.opaque")));
  assert.ok(warnings.some((w) => w.includes("user.x")), "user.* on a symlink is refused by the kernel: a warning");
});

test("replacing: file over dir, dir over file, dir over dir keeps contents and updates metadata", async (t) => {
  const sb = await sandbox(t);
  mkdirSync(join(sb.dest, "wasdir/sub"), { recursive: true });
  writeFileSync(join(sb.dest, "wasfile"), "x");
  mkdirSync(join(sb.dest, "keep"));
  writeFileSync(join(sb.dest, "keep/old"), "old");
  await attempt(
    sb,
    [
      { name: "wasdir", type: "file", source: Buffer.from("now a file") },
      { name: "wasfile", type: "dir", mode: 0o700 },
      { name: "keep", type: "dir", mode: 0o711, uid: 7 },
    ],
    "ok",
  );
  assert.equal(readFileSync(join(sb.dest, "wasdir"), "utf8"), "now a file");
  assert.ok(lstatSync(join(sb.dest, "wasfile")).isDirectory());
  assert.equal(readFileSync(join(sb.dest, "keep/old"), "utf8"), "old");
  assert.equal(lstatSync(join(sb.dest, "keep")).mode & 0o777, 0o711);
  assert.equal(lstatSync(join(sb.dest, "keep")).uid, 7);
});

test("non-UTF-8 and long names are created byte-exact", async (t) => {
  const sb = await sandbox(t);
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
  const deep = Array.from({ length: 6 }, (_, i) => String(i).repeat(60)).join("/"); // > 255 bytes
  await attempt(
    sb,
    [
      { name: latin1, type: "dir" },
      { name: Buffer.concat([latin1, Buffer.from("/f\xff", "latin1")]), type: "file", source: Buffer.from("bytes") },
      { name: deep + "/leaf", type: "file", source: Buffer.from("deep") },
    ],
    "ok",
  );
  const names = readdirSync(Buffer.from(sb.dest), { encoding: "buffer" });
  assert.ok(names.some((n) => n.equals(latin1)));
  const inner = readdirSync(Buffer.concat([Buffer.from(sb.dest + "/"), latin1]), { encoding: "buffer" });
  assert.deepEqual(inner, [Buffer.from("f\xff", "latin1")]);
  assert.equal(readFileSync(join(sb.dest, deep, "leaf"), "utf8"), "deep");
});
