import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { isKind } from "../../src/errdefs/index.js";
import { NativeSnapshotter } from "../../src/snapshots/index.js";
import { layer, snapshotterSuite } from "../../src/snapshots/testsuite.js";
import { StateDb } from "../../src/state/index.js";

snapshotterSuite("native", (o) => new NativeSnapshotter(o), { mounts: true });

test("native: diffDir is not implemented (snapshots hold whole trees)", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-snap-native-"));
  const state = StateDb.open(dir);
  t.after(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sn = new NativeSnapshotter({ root: path.join(dir, "snapshots", "native"), state });
  await layer(sn, "L1", undefined, { a: "1" });
  await assert.rejects(sn.diffDir("L1"), (e) => isKind(e, "not-implemented"));
  await assert.rejects(sn.diffDir("nope"), (e) => isKind(e, "not-found"));
});
