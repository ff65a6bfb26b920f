import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { CacheMountStore } from "./cache-mounts.js";

function store(t: { after(fn: () => void): void }): CacheMountStore {
  const root = mkdtempSync(path.join(tmpdir(), "berth-cache-mounts-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return new CacheMountStore(path.join(root, "cache-mounts"));
}

test("shared: one dir per id, kept after release; fresh only the first time; other ids apart", async (t) => {
  const s = store(t);
  const a = await s.acquire("pip", "");
  assert.equal(a.fresh, true);
  writeFileSync(path.join(a.dir, "f"), "12345");
  const b = await s.acquire("pip", "shared");
  assert.equal(b.dir, a.dir);
  assert.equal(b.fresh, false);
  await a.release();
  await b.release();
  const c = await s.acquire("pip", "");
  assert.equal(c.dir, a.dir);
  assert.equal(c.fresh, false);
  const other = await s.acquire("npm", "");
  assert.notEqual(other.dir, a.dir);
  await c.release();
  await other.release();
  const u = s.usage().find((e) => e.Description.includes('"pip"'));
  assert.ok(u);
  assert.equal(u.Type, "exec.cachemount");
  assert.equal(u.Size, 5);
  assert.equal(u.UsageCount, 3);
  assert.equal(u.InUse, false);
});

test("private: a second concurrent user gets its own dir; locked: users wait for each other", async (t) => {
  const s = store(t);
  const a = await s.acquire("x", "private");
  const b = await s.acquire("x", "private");
  assert.notEqual(a.dir, b.dir);
  await a.release();
  const c = await s.acquire("x", "private");
  assert.equal(c.dir, a.dir);
  await b.release();
  await c.release();

  const order: string[] = [];
  const l1 = await s.acquire("y", "locked");
  const p2 = s.acquire("y", "locked").then((l) => {
    order.push("second");
    return l;
  });
  await new Promise((r) => setTimeout(r, 20));
  order.push("first-done");
  await l1.release();
  const l2 = await p2;
  assert.deepEqual(order, ["first-done", "second"]);
  // an aborted wait gives up without taking the lock
  const ac = new AbortController();
  const p3 = s.acquire("y", "locked", ac.signal);
  ac.abort(new Error("cancelled"));
  await assert.rejects(p3, /cancelled/);
  await l2.release();
  const l4 = await s.acquire("y", "locked");
  await l4.release();
});

test("prune removes the dirs not in use and reports their bytes; initDir sets owner and mode", async (t) => {
  const s = store(t);
  const busy = await s.acquire("busy", "");
  const idle = await s.acquire("idle", "");
  CacheMountStore.initDir(idle.dir, { uid: 12, gid: 34, mode: 0o750 });
  const st = statSync(idle.dir);
  assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [12, 34, 0o750]);
  writeFileSync(path.join(idle.dir, "blob"), Buffer.alloc(100));
  await idle.release();
  const r = s.prune();
  assert.equal(r.ids.length, 1);
  assert.equal(r.reclaimed, 100);
  assert.equal(existsSync(idle.dir), false);
  assert.equal(existsSync(busy.dir), true);
  await busy.release();
  assert.equal(s.prune().ids.length, 1);
  assert.deepEqual(s.usage(), []);
});
