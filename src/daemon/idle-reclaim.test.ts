import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { IdleReclaimer } from "./idle-reclaim.js";

test("reclaims once after the delay, and again only after new activity", async (t) => {
  let runs = 0;
  const r = new IdleReclaimer({ delayMs: 40, reclaim: () => void runs++ });
  t.after(() => r.close());
  await sleep(120);
  assert.equal(runs, 1, "start-up counts as activity");
  await sleep(120);
  assert.equal(runs, 1, "nothing new: no second run");
  r.touch();
  await sleep(120);
  assert.equal(runs, 2);
});

test("activity keeps pushing the run back", async (t) => {
  let runs = 0;
  const r = new IdleReclaimer({ delayMs: 80, reclaim: () => void runs++ });
  t.after(() => r.close());
  for (let i = 0; i < 8; i++) {
    await sleep(20);
    r.touch();
  }
  assert.equal(runs, 0, "busy: never idle for 80 ms");
  await sleep(200);
  assert.equal(runs, 1);
});

test("a failing reclaim is logged, and close stops everything", async () => {
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m), debug: () => undefined } as unknown as import("../util/log.js").Logger;
  const r = new IdleReclaimer({ delayMs: 20, reclaim: () => { throw new Error("no addon"); }, log });
  await sleep(80);
  assert.deepEqual(warnings, ["giving idle memory back failed"]);
  r.close();
  r.touch();
  await sleep(60);
  assert.equal(warnings.length, 1);
});
