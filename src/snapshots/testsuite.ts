/**
 * One conformance suite every snapshotter runs. Without `mounts` it checks what needs no root
 * (metadata, errors, directories, usage, crash sweep, concurrency: src/snapshots/snapshotters.test.ts);
 * with `mounts` it also mounts for real through mount/ (test/root/snapshots-*.test.ts): lower layers
 * visible, whiteouts and opaque dirs, writes landing in the active snapshot only, read-only views,
 * owners/modes/xattrs/devices/hardlinks kept. Layers are written straight into prepareApply() targets,
 * in the whiteout form the snapshotter asks for.
 */
import assert from "node:assert/strict";
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, chownSync, chmodSync, lchownSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { isConflict, isNotFound } from "../errdefs/index.js";
import { mountAll, unmountRecursive } from "../mount/index.js";
import * as native from "../native/index.js";
import { StateDb } from "../state/index.js";
import type { ApplyTarget, Snapshotter } from "./snapshotter.js";

export type SnapshotterFactory = (opts: { root: string; state: StateDb }) => Snapshotter;

export interface SuiteEnv {
  dir: string;
  root: string;
  state: StateDb;
  sn: Snapshotter;
  mnt: string;
  factory: SnapshotterFactory;
}

function setup(factory: SnapshotterFactory): SuiteEnv {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-snap-"));
  const state = StateDb.open(path.join(dir, "data"));
  const mnt = path.join(dir, "mnt");
  mkdirSync(mnt);
  const root = path.join(dir, "data", "snapshots", "sn");
  return { dir, root, state, sn: factory({ root, state }), mnt, factory };
}

async function teardown(env: SuiteEnv, mounts: boolean): Promise<void> {
  if (mounts) await unmountRecursive(env.dir);
  env.state.close();
  rmSync(env.dir, { recursive: true, force: true });
}

/** Writes a "layer" into an apply target: names to whiteout, dirs to make opaque, then files to create. */
export function writeLayer(t: ApplyTarget, files: Record<string, string>, whiteouts: string[] = [], opaque: string[] = []): void {
  for (const w of whiteouts) {
    const p = path.join(t.dir, w);
    if (t.whiteouts === "overlay") {
      mkdirSync(path.dirname(p), { recursive: true });
      native.mknod(p, native.S_IFCHR | 0o000, 0, 0);
    } else rmSync(p, { recursive: true, force: true });
  }
  for (const o of opaque) {
    const p = path.join(t.dir, o);
    if (t.whiteouts === "overlay") {
      mkdirSync(p, { recursive: true });
      native.lsetxattr(p, "trusted.overlay.opaque", Buffer.from("y"));
    } else for (const n of existsSync(p) ? readdirSync(p) : []) rmSync(path.join(p, n), { recursive: true, force: true });
  }
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(t.dir, name)), { recursive: true });
    writeFileSync(path.join(t.dir, name), content);
  }
}

/** Unpacks a layer the way images/ does: prepareApply an extract-* key, write, commit. */
export async function layer(
  sn: Snapshotter,
  name: string,
  parent: string | undefined,
  files: Record<string, string>,
  wh: string[] = [],
  opq: string[] = [],
): Promise<ApplyTarget> {
  const key = `extract-${name}`;
  const t = await sn.prepareApply(key, parent);
  writeLayer(t, files, wh, opq);
  await sn.commit(name, key);
  return t;
}

async function withMount<T>(sn: Snapshotter, key: string, mnt: string, fn: () => T): Promise<T> {
  await mountAll(await sn.mounts(key), mnt);
  try {
    return fn();
  } finally {
    await unmountRecursive(mnt);
  }
}

export function snapshotterSuite(label: string, factory: SnapshotterFactory, opts: { mounts: boolean }): void {
  const it = (name: string, fn: (env: SuiteEnv) => Promise<void>): void => {
    test(`${label}: ${name}`, async () => {
      const env = setup(factory);
      try {
        await fn(env);
      } finally {
        await teardown(env, opts.mounts);
      }
    });
  };

  it("commit, stat, list and remove along a chain", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await layer(sn, "L2", "L1", { "b.txt": "2" });
    await layer(sn, "L3", "L2", { "c.txt": "3" });
    const s = await sn.stat("L2");
    assert.equal(s.kind, "committed");
    assert.equal(s.parent, "L1");
    assert.equal((await sn.stat("L1")).parent, undefined);
    assert.ok(!Number.isNaN(Date.parse(s.created)));
    assert.deepEqual((await sn.list()).map((i) => i.key), ["L1", "L2", "L3"]);
    await assert.rejects(sn.remove("L1"), (e) => isConflict(e));
    await assert.rejects(sn.remove("L2"), (e) => isConflict(e));
    await sn.remove("L3");
    await sn.remove("L2");
    await sn.remove("L1");
    assert.deepEqual(await sn.list(), []);
    await assert.rejects(sn.stat("L1"), (e) => isNotFound(e));
  });

  it("labels, kinds and views", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await sn.prepare("c1", "L1", { labels: { owner: "ctr" } });
    assert.deepEqual(await sn.stat("c1"), { ...(await sn.stat("c1")), kind: "active", parent: "L1", labels: { owner: "ctr" } });
    await sn.commit("C1", "c1", { labels: { extra: "x" } });
    assert.deepEqual((await sn.stat("C1")).labels, { owner: "ctr", extra: "x" });
    await assert.rejects(sn.stat("c1"), (e) => isNotFound(e));
    await sn.view("v1", "C1");
    assert.equal((await sn.stat("v1")).kind, "view");
    assert.equal((await sn.mounts("v1")).length > 0, true);
    assert.equal((await sn.mounts("v1"))[0]?.options.includes("ro"), true);
  });

  it("conflicts and missing snapshots", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await assert.rejects(sn.prepare("c1", "nope"), (e) => isNotFound(e));
    await assert.rejects(sn.prepareApply("extract-n", "nope"), (e) => isNotFound(e));
    await assert.rejects(sn.view("v", "nope"), (e) => isNotFound(e));
    await sn.prepare("c1", "L1");
    await assert.rejects(sn.prepare("c1", "L1"), (e) => isConflict(e));
    await assert.rejects(sn.prepare("L1"), (e) => isConflict(e)); // names and keys share one namespace
    await sn.prepareApply("extract-x", "L1");
    await assert.rejects(sn.commit("L1", "extract-x"), (e) => isConflict(e) && /snapshot L1 already exists/.test((e as Error).message));
    await assert.rejects(sn.commit("X", "missing"), (e) => isNotFound(e));
    await assert.rejects(sn.commit("X", "L1"), (e) => isConflict(e)); // already committed
    await sn.view("v1", "L1");
    await assert.rejects(sn.commit("X", "v1"), (e) => isConflict(e));
    await assert.rejects(sn.prepare("c2", "c1"), (e) => isConflict(e)); // parent must be committed
    await assert.rejects(sn.mounts("L1"), (e) => isConflict(e));
    await assert.rejects(sn.mounts("nope"), (e) => isNotFound(e));
    await assert.rejects(sn.remove("nope"), (e) => isNotFound(e));
    await assert.rejects(sn.usage("nope"), (e) => isNotFound(e));
    // Failed calls left nothing behind.
    assert.deepEqual((await sn.list()).map((i) => i.key).sort(), ["L1", "c1", "extract-x", "v1"]);
  });

  it("prepareApply gives a directory of the snapshot's own, in the snapshotter's whiteout mode", async ({ sn, root }) => {
    const t1 = await layer(sn, "L1", undefined, { "a.txt": "1" });
    const t2 = await sn.prepareApply("extract-2", "L1");
    assert.ok(t2.dir.startsWith(root + path.sep), t2.dir);
    assert.notEqual(t2.dir, t1.dir);
    // overlay: a layer holds only its own files; delete mode: a whole copy of the parent.
    assert.deepEqual(readdirSync(t2.dir), t2.whiteouts === "overlay" ? [] : ["a.txt"]);
    writeFileSync(path.join(t2.dir, "b.txt"), "2");
    await sn.commit("L2", "extract-2");
    assert.equal(existsSync(path.join(t1.dir, "b.txt")), false, "a child's files never reach its parent");
  });

  it("usage counts the snapshot's own bytes and inodes, hardlinks once", async ({ sn }) => {
    const t = await sn.prepareApply("extract-1");
    writeFileSync(path.join(t.dir, "a.bin"), "x".repeat(10000));
    linkSync(path.join(t.dir, "a.bin"), path.join(t.dir, "b.bin"));
    writeFileSync(path.join(t.dir, "c.txt"), "hello");
    await sn.commit("L1", "extract-1");
    assert.deepEqual(await sn.usage("L1"), { size: 10005, inodes: 3 });
    const t2 = await layer(sn, "L2", "L1", { "d.txt": "12" });
    assert.deepEqual(await sn.usage("L2"), t2.whiteouts === "overlay" ? { size: 2, inodes: 2 } : { size: 10007, inodes: 4 });
  });

  it("sweep after a crash removes interrupted work and keeps committed and container snapshots", async ({ sn, root, state, factory }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await sn.prepare("ctr", "L1");
    await sn.prepareApply("extract-crashed", "L1"); // an unpack never committed
    const lost = await sn.prepareApply("c-lost", "L1"); // crashed before its directory was renamed into place
    const lostDir = path.dirname(lost.dir);
    rmSync(lostDir, { recursive: true });
    mkdirSync(path.join(root, `new-${path.basename(lostDir)}`, "fs"), { recursive: true });
    mkdirSync(path.join(root, "new-999", "fs"), { recursive: true }); // a half-built directory
    mkdirSync(path.join(root, "rm-3-abc", "fs"), { recursive: true }); // a removal cut short
    mkdirSync(path.join(root, "4242", "fs"), { recursive: true }); // a directory without a row
    const after = factory({ root, state }); // as berthd after a restart
    await after.sweep();
    assert.deepEqual((await after.list()).map((i) => i.key), ["L1", "ctr"]);
    for (const n of ["new-999", "rm-3-abc", "4242", `new-${path.basename(lostDir)}`]) assert.equal(existsSync(path.join(root, n)), false, n);
    // What survived still works.
    await after.prepareApply("extract-again", "L1");
    await after.commit("L2", "extract-again");
    await after.remove("ctr");
    await after.sweep();
    assert.deepEqual((await after.list()).map((i) => i.key), ["L1", "L2"]);
  });

  it("concurrent prepares and removes keep their own directories", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await layer(sn, "Lx", "L1", {});
    const targets = await Promise.all(Array.from({ length: 12 }, (_, i) => sn.prepareApply(`extract-${i}`, "L1")));
    assert.equal(new Set(targets.map((t) => t.dir)).size, 12);
    targets.forEach((t, i) => writeFileSync(path.join(t.dir, "mine"), String(i)));
    // Remove the newest snapshots while new ones are created (dir ids freed and handed out again).
    const more = await Promise.all([
      ...[11, 10, 9].map((i) => sn.remove(`extract-${i}`)),
      ...[12, 13, 14].map((i) => sn.prepareApply(`extract-${i}`, "L1")),
    ]);
    for (const t of more) if (t) writeFileSync(path.join(t.dir, "mine"), "new");
    for (let i = 0; i < 9; i++) assert.equal(readFileSync(path.join(targets[i]?.dir ?? "", "mine"), "utf8"), String(i));
    for (const t of more) if (t) assert.equal(readFileSync(path.join(t.dir, "mine"), "utf8"), "new");
    assert.equal((await sn.list()).length, 2 + 9 + 3);
  });

  if (!opts.mounts) return;

  it("a mounted container root shows lower layers, hides whiteouts and opaque dirs, and keeps writes to itself", async ({ sn, mnt }) => {
    await layer(sn, "L1", undefined, { "keep.txt": "base", "gone.txt": "x", "dir/old.txt": "old", "etc/conf": "v1" });
    await layer(sn, "L2", "L1", { "dir/new.txt": "new", "etc/conf": "v2" }, ["gone.txt"], ["dir"]);
    await sn.prepare("ctr", "L2");
    await withMount(sn, "ctr", mnt, () => {
      assert.equal(readFileSync(path.join(mnt, "keep.txt"), "utf8"), "base");
      assert.equal(readFileSync(path.join(mnt, "etc/conf"), "utf8"), "v2");
      assert.equal(existsSync(path.join(mnt, "gone.txt")), false);
      assert.deepEqual(readdirSync(path.join(mnt, "dir")), ["new.txt"]);
      writeFileSync(path.join(mnt, "written.txt"), "w");
      rmSync(path.join(mnt, "keep.txt"));
    });
    await sn.view("v-L2", "L2");
    await withMount(sn, "v-L2", mnt, () => {
      assert.equal(existsSync(path.join(mnt, "written.txt")), false);
      assert.equal(readFileSync(path.join(mnt, "keep.txt"), "utf8"), "base");
    });
    await withMount(sn, "ctr", mnt, () => {
      assert.equal(readFileSync(path.join(mnt, "written.txt"), "utf8"), "w");
      assert.equal(existsSync(path.join(mnt, "keep.txt")), false);
    });
  });

  it("a file deleted by one layer comes back in a later one; an opaque dir takes new files", async ({ sn, mnt }) => {
    await layer(sn, "L1", undefined, { "f.txt": "one", "d/a": "a", "d/b": "b" });
    await layer(sn, "L2", "L1", {}, ["f.txt"], ["d"]);
    await layer(sn, "L3", "L2", { "f.txt": "three", "d/c": "c" });
    await sn.view("v", "L3");
    await withMount(sn, "v", mnt, () => {
      assert.equal(readFileSync(path.join(mnt, "f.txt"), "utf8"), "three");
      assert.deepEqual(readdirSync(path.join(mnt, "d")), ["c"]);
    });
  });

  it("views are read-only; an empty prepare mounts writable and commits what was written", async ({ sn, mnt }) => {
    await sn.prepare("base");
    await withMount(sn, "base", mnt, () => writeFileSync(path.join(mnt, "made-in-mount"), "m"));
    await sn.commit("B", "base");
    await layer(sn, "L2", "B", { "two": "2" });
    for (const [key, parent] of [["v1", "B"], ["v2", "L2"]] as const) {
      await sn.view(key, parent);
      await withMount(sn, key, mnt, () => {
        assert.equal(readFileSync(path.join(mnt, "made-in-mount"), "utf8"), "m");
        assert.throws(() => writeFileSync(path.join(mnt, "nope"), "x"), (e) => (e as { code?: string }).code === "EROFS");
      });
    }
  });

  it("owners, modes, xattrs, devices, fifos, hardlinks and symlinks of lower layers are kept", async ({ sn, mnt }) => {
    const t = await sn.prepareApply("extract-meta");
    const p = (n: string): string => path.join(t.dir, n);
    writeFileSync(p("suid"), "#!/bin/sh\n");
    chownSync(p("suid"), 1234, 5678);
    chmodSync(p("suid"), 0o4755);
    native.lsetxattr(p("suid"), "trusted.berth.test", Buffer.from([0xff, 0x00, 0x01]));
    native.lsetxattr(p("suid"), "user.note", Buffer.from("hi"));
    native.mknod(p("null"), native.S_IFCHR | 0o666, 1, 3);
    chmodSync(p("null"), 0o666);
    native.mknod(p("fifo"), native.S_IFIFO | 0o640, 0, 0);
    writeFileSync(p("h1"), "shared");
    linkSync(p("h1"), p("h2"));
    symlinkSync("/does/not/exist", p("link"));
    lchownSync(p("link"), 1111, 2222);
    mkdirSync(p("tmp"));
    chmodSync(p("tmp"), 0o1777);
    await sn.commit("M", "extract-meta");
    await layer(sn, "M2", "M", { "other": "o" });
    await sn.prepare("ctr", "M2");
    await withMount(sn, "ctr", mnt, () => {
      const m = (n: string): string => path.join(mnt, n);
      const s = lstatSync(m("suid"));
      assert.deepEqual([s.uid, s.gid, s.mode & 0o7777], [1234, 5678, 0o4755]);
      assert.deepEqual(native.lgetxattr(m("suid"), "trusted.berth.test"), Buffer.from([0xff, 0x00, 0x01]));
      assert.deepEqual(native.lgetxattr(m("suid"), "user.note"), Buffer.from("hi"));
      const dev = lstatSync(m("null"));
      assert.ok(dev.isCharacterDevice());
      assert.equal(dev.rdev, lstatSync("/dev/null").rdev);
      assert.equal(dev.mode & 0o7777, 0o666);
      assert.ok(lstatSync(m("fifo")).isFIFO());
      assert.equal(lstatSync(m("fifo")).mode & 0o7777, 0o640);
      assert.equal(lstatSync(m("h1")).ino, lstatSync(m("h2")).ino);
      assert.equal(lstatSync(m("h1")).nlink, 2);
      const l = lstatSync(m("link"));
      assert.ok(l.isSymbolicLink());
      assert.deepEqual([l.uid, l.gid], [1111, 2222]);
      assert.equal(lstatSync(m("tmp")).mode & 0o7777, 0o1777);
      assert.equal(readFileSync(m("other"), "utf8"), "o");
    });
  });
}
