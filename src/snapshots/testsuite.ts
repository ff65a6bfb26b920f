/**
 * One conformance suite every snapshotter runs (test/root/snapshots-*.test.ts), with real mounts.
 * It writes layers directly into prepareApply() targets, in the whiteout form the snapshotter asks for.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { isConflict, isNotFound } from "../errdefs/index.js";
import { mountAll, unmountRecursive } from "../mount/index.js";
import * as native from "../native/index.js";
import { StateDb } from "../state/index.js";
import type { ApplyTarget, Snapshotter } from "./snapshotter.js";

export type SnapshotterFactory = (opts: { root: string; state: StateDb }) => Snapshotter;

interface Env {
  dir: string;
  state: StateDb;
  sn: Snapshotter;
  mnt: string;
}

function setup(factory: SnapshotterFactory): Env {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-snap-"));
  const state = StateDb.open(path.join(dir, "data"));
  const mnt = path.join(dir, "mnt");
  mkdirSync(mnt);
  return { dir, state, sn: factory({ root: path.join(dir, "data", "snapshots"), state }), mnt };
}

async function teardown(env: Env): Promise<void> {
  await unmountRecursive(env.dir);
  env.state.close();
  rmSync(env.dir, { recursive: true, force: true });
}

/** Writes a "layer" into an apply target: names to whiteout, dirs to make opaque, then files to create. */
function writeLayer(t: ApplyTarget, files: Record<string, string>, whiteouts: string[] = [], opaque: string[] = []): void {
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

async function layer(sn: Snapshotter, name: string, parent: string | undefined, files: Record<string, string>, wh: string[] = [], opq: string[] = []): Promise<void> {
  const key = `extract-${name}`;
  const t = await sn.prepareApply(key, parent);
  writeLayer(t, files, wh, opq);
  await sn.commit(name, key);
}

export function snapshotterSuite(label: string, factory: SnapshotterFactory): void {
  const it = (name: string, fn: (env: Env) => Promise<void>): void => {
    test(`${label}: ${name}`, async () => {
      const env = setup(factory);
      try {
        await fn(env);
      } finally {
        await teardown(env);
      }
    });
  };

  it("commit, stat, list and remove", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await layer(sn, "L2", "L1", { "b.txt": "2" });
    const s = await sn.stat("L2");
    assert.equal(s.kind, "committed");
    assert.equal(s.parent, "L1");
    assert.deepEqual((await sn.list()).map((i) => i.key), ["L1", "L2"]);
    await assert.rejects(sn.remove("L1"), (e) => isConflict(e));
    await sn.remove("L2");
    await sn.remove("L1");
    assert.deepEqual(await sn.list(), []);
    await assert.rejects(sn.stat("L1"), (e) => isNotFound(e));
  });

  it("conflicts and missing parents", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await assert.rejects(sn.prepare("c1", "nope"), (e) => isNotFound(e));
    await sn.prepare("c1", "L1");
    await assert.rejects(sn.prepare("c1", "L1"), (e) => isConflict(e));
    await sn.prepareApply("extract-x", "L1");
    await assert.rejects(sn.commit("L1", "extract-x"), (e) => isConflict(e));
    await assert.rejects(sn.prepare("c2", "c1"), (e) => isConflict(e)); // parent must be committed
  });

  it("a mounted container root shows lower layers, hides whiteouts and opaque dirs, and keeps writes", async ({ sn, mnt }) => {
    await layer(sn, "L1", undefined, { "keep.txt": "base", "gone.txt": "x", "dir/old.txt": "old", "etc/conf": "v1" });
    await layer(sn, "L2", "L1", { "dir/new.txt": "new", "etc/conf": "v2" }, ["gone.txt"], ["dir"]);
    const mounts = await sn.prepare("ctr", "L2");
    await mountAll(mounts, mnt);
    try {
      assert.equal(readFileSync(path.join(mnt, "keep.txt"), "utf8"), "base");
      assert.equal(readFileSync(path.join(mnt, "etc/conf"), "utf8"), "v2");
      assert.equal(existsSync(path.join(mnt, "gone.txt")), false);
      assert.deepEqual(readdirSync(path.join(mnt, "dir")), ["new.txt"]);
      writeFileSync(path.join(mnt, "written.txt"), "w");
    } finally {
      await unmountRecursive(mnt);
    }
    // The write landed in the container's snapshot, not in a committed layer.
    const again = await sn.view("v-L2", "L2");
    await mountAll(again, mnt);
    try {
      assert.equal(existsSync(path.join(mnt, "written.txt")), false);
      assert.equal(existsSync(path.join(mnt, "keep.txt")), true);
    } finally {
      await unmountRecursive(mnt);
    }
    await mountAll(await sn.mounts("ctr"), mnt);
    try {
      assert.equal(readFileSync(path.join(mnt, "written.txt"), "utf8"), "w");
    } finally {
      await unmountRecursive(mnt);
    }
  });

  it("usage counts the snapshot's own bytes", async ({ sn }) => {
    await layer(sn, "L1", undefined, { "a.bin": "x".repeat(5000) });
    const u = await sn.usage("L1");
    assert.ok(u.size >= 5000, `size ${u.size}`);
    assert.ok(u.inodes >= 2);
  });

  it("sweep removes work a crash interrupted and keeps committed snapshots", async ({ sn, state, dir }) => {
    await layer(sn, "L1", undefined, { "a.txt": "1" });
    await sn.prepareApply("extract-crashed", "L1"); // never committed
    const root = path.join(dir, "data", "snapshots");
    mkdirSync(path.join(root, "new-999"), { recursive: true }); // a half-built directory
    mkdirSync(path.join(root, "4242", "fs"), { recursive: true }); // a directory without a row
    await sn.sweep();
    assert.deepEqual((await sn.list()).map((i) => i.key), ["L1"]);
    assert.equal(existsSync(path.join(root, "new-999")), false);
    assert.equal(existsSync(path.join(root, "4242")), false);
    void state;
  });
}
