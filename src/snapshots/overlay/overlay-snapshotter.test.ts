import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { StateDb } from "../../state/index.js";
import { OverlaySnapshotter } from "./overlay-snapshotter.js";

test("overlayfs: a create that fails while building leaves no row and no directory, and the next one works", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-snap-fail-"));
  const state = StateDb.memory();
  t.after(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const root = path.join(dir, "overlayfs");
  const sn = new OverlaySnapshotter({ root, state });
  await sn.prepareApply("extract-ok");
  await sn.commit("L1", "extract-ok");
  // <root>/l as a plain file: populate cannot place the short link, after the row was inserted.
  renameSync(path.join(root, "l"), path.join(dir, "l-aside"));
  writeFileSync(path.join(root, "l"), "not a directory");
  await assert.rejects(sn.prepare("ctr", "L1"));
  await assert.rejects(sn.prepareApply("extract-2", "L1"));
  assert.deepEqual((await sn.list()).map((i) => i.key), ["L1"]);
  assert.deepEqual(readdirSync(root).sort(), ["1", "l"]);
  rmSync(path.join(root, "l"));
  renameSync(path.join(dir, "l-aside"), path.join(root, "l"));
  assert.deepEqual(readdirSync(path.join(root, "l")).length, 1, "only L1's short link");
  assert.ok(statSync(path.join(root, "l", readdirSync(path.join(root, "l"))[0] ?? "")).isDirectory());
  const t2 = await sn.prepareApply("extract-3");
  assert.equal(path.basename(path.dirname(t2.dir)), "2", "the freed dir_id is handed out again");
  await sn.commit("L2", "extract-3");
  assert.deepEqual((await sn.list()).map((i) => i.key), ["L1", "L2"]);
});
