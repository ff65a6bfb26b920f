import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { StateDb } from "./state-db.js";

/** The connection's synchronous level while fn's transaction runs: 2 = FULL (fsynced), 1 = NORMAL. */
function syncLevelIn(state: StateDb): number {
  return state.tx(() => state.db.pragma("synchronous", { simple: true }) as number);
}

test("tx commits with synchronous=FULL; txRelaxed and everything inside relaxedWithin with NORMAL, other work not", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-state-"));
  const state = StateDb.open(dir);
  t.after(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(syncLevelIn(state), 2);
  assert.equal(state.txRelaxed(() => state.db.pragma("synchronous", { simple: true })), 1);
  assert.equal(syncLevelIn(state), 2, "back to FULL after a relaxed commit");
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const levels: number[] = [];
  const inside = state.relaxedWithin(async () => {
    levels.push(syncLevelIn(state));
    await gate;
    await new Promise((r) => setTimeout(r, 5)); // a timer inside the scope keeps it
    levels.push(syncLevelIn(state));
    return "done";
  });
  // interleaved work of another request, outside the scope, stays durable
  assert.equal(syncLevelIn(state), 2);
  release();
  assert.equal(await inside, "done");
  assert.deepEqual(levels, [1, 1]);
  assert.equal(syncLevelIn(state), 2);
  // flush checkpoints the log into the database file
  state.db.exec("CREATE TABLE t (a)");
  await state.relaxedWithin(async () => {
    for (let i = 0; i < 50; i++) state.tx(() => state.db.prepare("INSERT INTO t VALUES (?)").run(i));
  });
  const before = statSync(path.join(dir, "state.db")).size;
  state.flush();
  const res = state.db.pragma("wal_checkpoint(PASSIVE)") as { busy: number; log: number; checkpointed: number }[];
  assert.equal(res[0]?.log, res[0]?.checkpointed, "everything in the log is in the database");
  assert.ok(statSync(path.join(dir, "state.db")).size >= before);
  assert.equal((state.db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n, 50);
});

test("shrinkMemory forgets the kept statements (prepared again on next use) and SQLite's cache; queries go on", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-state-"));
  const state = StateDb.open(dir);
  try {
    state.db.exec("CREATE TABLE t (a)");
    const sql = "INSERT INTO t VALUES (?)";
    const first = state.db.prepare(sql);
    assert.equal(state.db.prepare(sql), first, "kept for reuse");
    first.run(1);
    state.shrinkMemory();
    const again = state.db.prepare(sql);
    assert.notEqual(again, first);
    again.run(2);
    assert.equal((state.db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n, 2);
  } finally {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
