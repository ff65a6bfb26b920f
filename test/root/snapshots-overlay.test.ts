import assert from "node:assert/strict";
import { existsSync, mkdirSync, symlinkSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { MAX_MOUNT_DATA, mountAll, unmountRecursive } from "../../src/mount/index.js";
import { OverlaySnapshotter, VOLATILE_LABEL } from "../../src/snapshots/index.js";
import { layer, snapshotterSuite } from "../../src/snapshots/testsuite.js";
import { StateDb } from "../../src/state/index.js";

snapshotterSuite("overlayfs", (o) => new OverlaySnapshotter(o), { mounts: true });

function env(t: { after(fn: () => Promise<void>): void }, rootName = "overlayfs"): { dir: string; root: string; state: StateDb; mnt: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-snap-ovl-"));
  const state = StateDb.open(path.join(dir, "data"));
  const mnt = path.join(dir, "mnt");
  mkdirSync(mnt);
  t.after(async () => {
    await unmountRecursive(dir);
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, root: path.join(dir, "data", "snapshots", rootName), state, mnt };
}

test("overlayfs: a chain of 130 layers mounts for real with short lowerdir links", async (t) => {
  // A long root: absolute lowerdirs (130 × 100+ bytes) could never fit in one page.
  const { root, state, mnt } = env(t, "x".repeat(60));
  const sn = new OverlaySnapshotter({ root, state });
  let parent: string | undefined;
  for (let i = 0; i < 130; i++) {
    await layer(sn, `layer-${i}`, parent, { [`f${i}`]: String(i), shared: String(i) });
    parent = `layer-${i}`;
  }
  const mounts = await sn.prepare("ctr", parent);
  const m = mounts[0];
  assert.equal(m?.type, "overlay");
  assert.equal(m?.cwd, root);
  const lower = m?.options.find((o) => o.startsWith("lowerdir="))?.slice(9).split(":") ?? [];
  assert.equal(lower.length, 130);
  for (const l of lower) assert.match(l, /^l\/[A-Z2-7]{26}$/);
  // Nearest parent first: l/<id> → ../<dir of layer-129>/fs.
  const top = path.dirname(await sn.diffDir("layer-129"));
  assert.equal(readlinkSync(path.join(root, lower[0] ?? "")), path.join("..", path.basename(top), "fs"));
  assert.equal(readFileSync(path.join(root, lower[0] ?? "", "f129"), "utf8"), "129");
  const data = m?.options.join(",") ?? "";
  assert.ok(Buffer.byteLength(data) <= MAX_MOUNT_DATA, `mount data is ${data.length} bytes`);
  const cwd = process.cwd();
  await mountAll(mounts, mnt);
  try {
    assert.equal(process.cwd(), cwd);
    assert.equal(readFileSync(path.join(mnt, "f0"), "utf8"), "0");
    assert.equal(readFileSync(path.join(mnt, "f129"), "utf8"), "129");
    assert.equal(readFileSync(path.join(mnt, "shared"), "utf8"), "129");
    assert.equal(readdirSync(mnt).length, 131);
    writeFileSync(path.join(mnt, "new"), "n");
  } finally {
    await unmountRecursive(mnt);
  }
  assert.equal(readFileSync(path.join(await sn.diffDir("ctr"), "new"), "utf8"), "n");
});

test("overlayfs: layout (fs, work, link, l/<id>), diffDir, and link cleanup on remove and sweep", async (t) => {
  const { root, state } = env(t);
  const sn = new OverlaySnapshotter({ root, state });
  await layer(sn, "L1", undefined, { a: "1" });
  await layer(sn, "L2", "L1", { b: "2" });
  const d2 = await sn.diffDir("L2");
  assert.deepEqual(readdirSync(d2), ["b"]);
  const snapDir = path.dirname(d2);
  assert.deepEqual(readdirSync(snapDir).sort(), ["fs", "link", "work"]);
  const id = readFileSync(path.join(snapDir, "link"), "utf8");
  assert.equal(readlinkSync(path.join(root, "l", id)), path.join("..", path.basename(snapDir), "fs"));
  assert.equal(readdirSync(path.join(root, "l")).length, 2);
  await sn.remove("L2");
  assert.equal(existsSync(path.join(root, "l", id)), false);
  assert.equal(existsSync(snapDir), false);
  // A link left by a crash (its snapshot directory gone) is removed by sweep.
  const d1 = path.dirname(await sn.diffDir("L1"));
  const id1 = readFileSync(path.join(d1, "link"), "utf8");
  mkdirSync(path.join(root, "777", "fs"), { recursive: true }); // no row: removed, so its link dangles
  symlinkSync("../777/fs", path.join(root, "l", "YYYYYYYYYYYYYYYYYYYYYYYYYY"));
  await sn.sweep();
  assert.deepEqual(readdirSync(path.join(root, "l")), [id1]);
});

test("overlayfs: a volatile snapshot mounts with volatile, mounts again after that, and commits without the label", async (t) => {
  const { root, state, mnt } = env(t);
  const sn = new OverlaySnapshotter({ root, state });
  await layer(sn, "L1", undefined, { a: "1" });
  const mounts = await sn.prepare("step", "L1", { labels: { [VOLATILE_LABEL]: "true", keep: "me" } });
  assert.ok(mounts[0]?.options.includes("volatile"), mounts[0]?.options.join());
  assert.ok(!(await sn.prepare("plain", "L1")).some((m) => m.options.includes("volatile")));
  await mountAll(mounts, mnt);
  writeFileSync(path.join(mnt, "b"), "2");
  await unmountRecursive(mnt);
  // the kernel leaves work/work/incompat/volatile behind; mounting again must still work
  await mountAll(await sn.mounts("step"), mnt);
  assert.equal(readFileSync(path.join(mnt, "b"), "utf8"), "2");
  assert.equal(readFileSync(path.join(mnt, "a"), "utf8"), "1");
  await unmountRecursive(mnt);
  await sn.commit("L2", "step");
  assert.deepEqual((await sn.stat("L2")).labels, { keep: "me" });
  assert.deepEqual(readdirSync(await sn.diffDir("L2")), ["b"]);
});
