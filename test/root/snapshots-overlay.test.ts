import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { mountAll, unmountRecursive } from "../../src/mount/index.js";
import { OverlaySnapshotter } from "../../src/snapshots/index.js";
import { snapshotterSuite } from "../../src/snapshots/testsuite.js";
import { StateDb } from "../../src/state/index.js";

snapshotterSuite("overlayfs", (o) => new OverlaySnapshotter(o));

test("overlayfs: a chain of 130 layers mounts (short lowerdir links fit in one page)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-snap-long-"));
  const state = StateDb.open(path.join(dir, "data"));
  const mnt = path.join(dir, "mnt");
  mkdirSync(mnt);
  try {
    const sn = new OverlaySnapshotter({ root: path.join(dir, "data", "snapshots"), state });
    let parent: string | undefined;
    for (let i = 0; i < 130; i++) {
      const t = await sn.prepareApply(`extract-${i}`, parent);
      writeFileSync(path.join(t.dir, `f${i}`), String(i));
      await sn.commit(`layer-${i}`, `extract-${i}`);
      parent = `layer-${i}`;
    }
    const mounts = await sn.prepare("ctr", parent);
    const data = mounts[0]?.options.join(",") ?? "";
    assert.ok(data.length < 4096, `mount data is ${data.length} bytes`);
    await mountAll(mounts, mnt);
    try {
      assert.equal(readFileSync(path.join(mnt, "f0"), "utf8"), "0");
      assert.equal(readFileSync(path.join(mnt, "f129"), "utf8"), "129");
    } finally {
      await unmountRecursive(mnt);
    }
  } finally {
    await unmountRecursive(dir);
    state.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
