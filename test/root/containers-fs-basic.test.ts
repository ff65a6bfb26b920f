import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { applyLayer, packTar, walkTar } from "../../src/archive/index.js";
import { changes, diffTar, exportRootfs, getArchive, putArchive, statPath, type ContainerFs } from "../../src/containers/fs/index.js";
import { mountAll, unmountRecursive } from "../../src/mount/index.js";

interface Env {
  dir: string;
  lower: string;
  fs: ContainerFs;
  hostSecret: string;
  vol: string;
}

async function env(t: { after(fn: () => Promise<void>): void }): Promise<Env> {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-ctrfs-"));
  const lower = path.join(dir, "lower");
  const upper = path.join(dir, "upper");
  const work = path.join(dir, "work");
  const rootfs = path.join(dir, "rootfs");
  const vol = path.join(dir, "vol");
  for (const d of [lower, upper, work, rootfs, vol]) mkdirSync(d);
  t.after(async () => {
    await unmountRecursive(rootfs);
    rmSync(dir, { recursive: true, force: true });
  });
  // busybox-ish lower tree
  for (const d of ["bin", "etc", "tmp", "var/log", "data", "opq/sub"]) mkdirSync(path.join(lower, d), { recursive: true });
  writeFileSync(path.join(lower, "bin/busybox"), "BB");
  symlinkSync("busybox", path.join(lower, "bin/sh"));
  writeFileSync(path.join(lower, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  writeFileSync(path.join(lower, "etc/hostname"), "ctr\n");
  writeFileSync(path.join(lower, "var/log/old.log"), "old");
  writeFileSync(path.join(lower, "opq/a"), "a");
  writeFileSync(path.join(lower, "opq/sub/b"), "b");
  symlinkSync("/etc", path.join(lower, "etclink"));
  symlinkSync("../../../../../../../../etc", path.join(lower, "uplink"));
  await mountAll([{ type: "overlay", source: "overlay", options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] }], rootfs);
  // The host "secret" the escapes must never reach: our own tmp file, reachable only by escaping.
  const hostSecret = path.join(dir, "secret");
  writeFileSync(hostSecret, "host");
  return {
    dir,
    lower,
    hostSecret,
    vol,
    fs: { rootfs, upperDir: upper, lowerDirs: [lower], id: "c1", extraMounts: [{ destination: "/data", source: vol, readOnly: false }] },
  };
}

async function collect(r: Readable): Promise<Map<string, { type: string; body: string; link: string }>> {
  const out = new Map<string, { type: string; body: string; link: string }>();
  for await (const e of walkTar(r)) out.set(e.name.replace(/\/$/, ""), { type: e.type, body: e.type === "file" ? (await e.readAll()).toString() : "", link: e.linkname });
  return out;
}

function mutate(root: string): void {
  writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0::/root:/bin/ash\n");
  writeFileSync(path.join(root, "new.txt"), "new");
  mkdirSync(path.join(root, "newdir"));
  writeFileSync(path.join(root, "newdir/f"), "f");
  unlinkSync(path.join(root, "var/log/old.log"));
  rmSync(path.join(root, "opq"), { recursive: true });
  mkdirSync(path.join(root, "opq"));
  writeFileSync(path.join(root, "opq/c"), "c");
}

test("containers fs: changes and diffTar reflect the overlay upper dir", async (t) => {
  const e = await env(t);
  mutate(e.fs.rootfs);
  const ch = await changes(e.fs);
  const rows = ch.map((c) => `${"CAD"[c.Kind]} ${c.Path}`);
  assert.deepEqual(rows, [
    "C /etc",
    "C /etc/passwd",
    "A /new.txt",
    "A /newdir",
    "A /newdir/f",
    "C /opq",
    "D /opq/a",
    "A /opq/c",
    "D /opq/sub",
    "C /var",
    "C /var/log",
    "D /var/log/old.log",
  ]);
  // applying the diff on a copy of the lower gives the container's view
  const copy = path.join(e.dir, "copy");
  mkdirSync(copy);
  await applyLayer(exportRootfs({ rootfs: e.lower, extraMounts: [] }), copy, { whiteouts: "delete" });
  await applyLayer(diffTar(e.fs), copy, { whiteouts: "delete" });
  const a = await collect(exportRootfs({ rootfs: copy, extraMounts: [] }));
  const b = await collect(exportRootfs({ rootfs: e.fs.rootfs, extraMounts: [] }));
  assert.deepEqual([...a.entries()], [...b.entries()]);
  assert.ok(!existsSync(path.join(copy, "opq/sub")));
  assert.ok(!existsSync(path.join(copy, "var/log/old.log")));
  assert.equal(readFileSync(path.join(copy, "etc/passwd"), "utf8"), "root:x:0:0::/root:/bin/ash\n");
});

test("containers fs: export streams the rootfs but not extra mount contents", async (t) => {
  const e = await env(t);
  // simulate a bind mount's content visible under /data of the rootfs
  writeFileSync(path.join(e.fs.rootfs, "data/inside-mount"), "x");
  const m = await collect(exportRootfs(e.fs));
  assert.equal(m.get("bin/busybox")?.body, "BB");
  assert.equal(m.get("bin/sh")?.link, "busybox");
  assert.equal(m.get("data")?.type, "dir");
  assert.ok(!m.has("data/inside-mount"));
  // docker cp of a directory holding a mount takes the mount's content from its source
  writeFileSync(path.join(e.vol, "from-volume"), "v");
  const cp = await collect((await getArchive(e.fs, "/")).tar);
  assert.equal(cp.get("./data/from-volume")?.body ?? cp.get("data/from-volume")?.body, "v");
  assert.ok(![...cp.keys()].some((k) => k.endsWith("inside-mount")));
  const vol = await collect((await getArchive(e.fs, "/data")).tar);
  assert.deepEqual([...vol.keys()].sort(), ["data", "data/from-volume"]);
});

test("containers fs: statPath and getArchive name by the final element", async (t) => {
  const e = await env(t);
  const st = await statPath(e.fs, "/etc/hostname");
  assert.equal(st.name, "hostname");
  assert.equal(st.size, 4);
  assert.equal(st.mode, 0o644);
  assert.match(st.mtime, /^\d{4}-\d\d-\d\dT/);
  const d = await statPath(e.fs, "/etc");
  assert.equal(d.mode, 2 ** 31 + 0o755);
  const l = await statPath(e.fs, "/bin/sh");
  assert.equal(l.mode, 2 ** 27 + 0o777);
  assert.equal(l.linkTarget, "busybox");
  await assert.rejects(statPath(e.fs, "/nope"), /Could not find the file \/nope in container c1/);

  const one = await getArchive(e.fs, "/etc/hostname");
  assert.deepEqual([...(await collect(one.tar)).keys()], ["hostname"]);
  const dir = await collect((await getArchive(e.fs, "/etc")).tar);
  assert.deepEqual([...dir.keys()].sort(), ["etc", "etc/hostname", "etc/passwd"]);
  const contents = await collect((await getArchive(e.fs, "/etc/.")).tar);
  assert.ok(contents.has("./passwd"));
});

test("containers fs: symlinks resolve inside the rootfs, never the host", async (t) => {
  const e = await env(t);
  writeFileSync(path.join(e.fs.rootfs, "etc/marker"), "in-container");
  // /etclink -> /etc and /uplink -> ../../../../etc must both mean rootfs/etc
  for (const p of ["/etclink/marker", "/uplink/marker", "/../../../etc/marker"]) {
    const m = await collect((await getArchive(e.fs, p)).tar);
    assert.equal(m.get("marker")?.body, "in-container", p);
  }
  // an absolute target in a nested link restarts at the container root
  symlinkSync("/bin", path.join(e.fs.rootfs, "etc/binlink"));
  assert.equal((await collect((await getArchive(e.fs, "/etc/binlink/busybox")).tar)).get("busybox")?.body, "BB");
  // a link aimed at the host secret's absolute path resolves inside the rootfs (and is not found)
  symlinkSync(e.hostSecret, path.join(e.fs.rootfs, "steal"));
  await assert.rejects(getArchive(e.fs, "/steal/"), /Could not find/);
  // putArchive through a symlinked dir writes inside rootfs/etc
  const tar = packTar([{ name: "put.txt", type: "file", size: 2, source: Buffer.from("ok") }]);
  await putArchive(e.fs, "/uplink", tar, { noOverwriteDirNonDir: false, copyUIDGID: false, readOnlyRootfs: false });
  assert.equal(readFileSync(path.join(e.fs.rootfs, "etc/put.txt"), "utf8"), "ok");
  assert.ok(!existsSync("/etc/put.txt") || readFileSync("/etc/put.txt", "utf8") !== "ok");
  // an escaping entry is refused
  const bad = packTar([{ name: "../../x", type: "file", size: 1, source: Buffer.from("x") }]);
  await assert.rejects(putArchive(e.fs, "/tmp", bad, { noOverwriteDirNonDir: false, copyUIDGID: false, readOnlyRootfs: false }), /\.\.\/\.\.\/x|outside|escape/i);
  assert.ok(!existsSync(path.join(e.dir, "x")));
  // a symlink loop is an error, not a hang
  symlinkSync("loop2", path.join(e.fs.rootfs, "loop1"));
  symlinkSync("loop1", path.join(e.fs.rootfs, "loop2"));
  await assert.rejects(statPath(e.fs, "/loop1/x"), /too many levels of symbolic links/);
});

test("containers fs: putArchive rules (not a dir, missing, read-only, no-overwrite, mounts)", async (t) => {
  const e = await env(t);
  const one = (): Readable => packTar([{ name: "f", type: "file", size: 1, source: Buffer.from("1") }]);
  const o = { noOverwriteDirNonDir: false, copyUIDGID: false, readOnlyRootfs: false };
  await assert.rejects(putArchive(e.fs, "/etc/passwd", one(), o), /extraction point is not a directory/);
  await assert.rejects(putArchive(e.fs, "/missing", one(), o), /Could not find the file/);
  await assert.rejects(putArchive(e.fs, "/tmp", one(), { ...o, readOnlyRootfs: true }), /read-only/);
  // a read-only rootfs still lets cp write into a volume
  await putArchive(e.fs, "/data", one(), { ...o, readOnlyRootfs: true });
  assert.equal(readFileSync(path.join(e.vol, "f"), "utf8"), "1");
  assert.ok(!existsSync(path.join(e.fs.rootfs, "data/f")));
  await assert.rejects(putArchive({ ...e.fs, extraMounts: [{ destination: "/data", source: e.vol, readOnly: true }] }, "/data", one(), o), /mounted volume is marked read-only/);
  // noOverwriteDirNonDir re-encodes the stream: bodies still arrive intact
  const two = packTar([
    { name: "d/", type: "dir" },
    { name: "d/big", type: "file", size: 300000, source: Buffer.alloc(300000, 7) },
    { name: "d/l", type: "symlink", linkname: "big" },
  ]);
  await putArchive(e.fs, "/tmp", two, { ...o, noOverwriteDirNonDir: true });
  assert.deepEqual(readFileSync(path.join(e.fs.rootfs, "tmp/d/big")), Buffer.alloc(300000, 7));
  assert.equal(readlinkSync(path.join(e.fs.rootfs, "tmp/d/l")), "big");
  // noOverwriteDirNonDir: a file may not replace the directory /etc
  const asFile = packTar([{ name: "etc", type: "file", size: 1, source: Buffer.from("1") }]);
  await assert.rejects(putArchive(e.fs, "/", asFile, { ...o, noOverwriteDirNonDir: true }), /cannot overwrite directory/);
  assert.ok(lstatSync(path.join(e.fs.rootfs, "etc")).isDirectory());
  // copyUIDGID keeps the tar's owners
  const owned = packTar([{ name: "owned", type: "file", size: 1, source: Buffer.from("1"), uid: 1234, gid: 55 }]);
  await putArchive(e.fs, "/tmp", owned, { ...o, copyUIDGID: true });
  assert.equal(lstatSync(path.join(e.fs.rootfs, "tmp/owned")).uid, 1234);
  // round trip: get then put elsewhere
  const got = await getArchive(e.fs, "/bin");
  await putArchive(e.fs, "/tmp", got.tar, o);
  assert.equal(readlinkSync(path.join(e.fs.rootfs, "tmp/bin/sh")), "busybox");
  assert.equal(readFileSync(path.join(e.fs.rootfs, "tmp/bin/busybox"), "utf8"), "BB");
});
