import assert from "node:assert/strict";
import { test } from "node:test";
import { applyResult, HealthMonitor, probeArgs, type HealthState } from "./health-monitor.js";

const S = 1_000_000_000;

test("probeArgs: CMD, CMD-SHELL with the image's shell, NONE and empty turn the check off", () => {
  assert.deepEqual(probeArgs({ Test: ["CMD", "curl", "-f", "x"] }, undefined), ["curl", "-f", "x"]);
  assert.deepEqual(probeArgs({ Test: ["CMD-SHELL", "exit 1"] }, undefined), ["/bin/sh", "-c", "exit 1"]);
  assert.deepEqual(probeArgs({ Test: ["CMD-SHELL", "exit 1"] }, ["/bin/bash", "-ec"]), ["/bin/bash", "-ec", "exit 1"]);
  assert.equal(probeArgs({ Test: ["NONE"] }, undefined), undefined);
  assert.equal(probeArgs({ Test: [] }, undefined), undefined);
  assert.equal(probeArgs(undefined, undefined), undefined);
});

test("applyResult: success heals, failures count to Retries, the start period forgives, logs keep five", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
  const hc = { Test: ["CMD", "x"], Retries: 2, StartPeriod: 10 * S };
  let st: HealthState = { Status: "starting", FailingStreak: 0, Log: [] };
  st = applyResult(st, hc, { exitCode: 1, output: "no", timedOut: false }, at(1), at(1), t0);
  assert.equal(st.Status, "starting");
  assert.equal(st.FailingStreak, 0, "a failure inside the start period does not count");
  st = applyResult(st, hc, { exitCode: 0, output: "ok", timedOut: false }, at(2), at(2), t0);
  assert.equal(st.Status, "healthy");
  st = applyResult(st, hc, { exitCode: 1, output: "", timedOut: false }, at(3), at(3), t0);
  assert.deepEqual([st.Status, st.FailingStreak], ["healthy", 1], "after a success the start period no longer forgives");
  st = applyResult(st, hc, { exitCode: 0, output: "", timedOut: true }, at(4), at(5), t0);
  assert.deepEqual([st.Status, st.FailingStreak], ["unhealthy", 2]);
  const last = st.Log[st.Log.length - 1];
  assert.equal(last?.ExitCode, -1);
  assert.equal(last?.Output, "Health check exceeded timeout (30s)");
  for (let i = 0; i < 6; i++) st = applyResult(st, hc, { exitCode: 0, output: "x".repeat(5000), timedOut: false }, at(20 + i), at(20 + i), t0);
  assert.equal(st.Log.length, 5);
  assert.equal(st.Log[0]?.Output.length, 4096);
  assert.deepEqual([st.Status, st.FailingStreak], ["healthy", 0]);
});

test("HealthMonitor: probes on the interval, reports changes, stops cleanly", async () => {
  const seen: string[] = [];
  let calls = 0;
  const m = new HealthMonitor({
    probe: async () => ({ exitCode: ++calls >= 2 ? 0 : 1, output: "", timedOut: false }),
    update: (_id, st, changed) => seen.push(`${st.Status}:${changed}`),
  });
  m.start("c1", { config: { Test: ["CMD", "x"], Interval: 20_000_000, Retries: 1 }, args: ["x"], startedAt: new Date(), initial: { Status: "starting", FailingStreak: 0, Log: [] } });
  const end = Date.now() + 2000;
  while (seen.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  m.stop("c1");
  const n = calls;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(calls, n, "no probe after stop");
  assert.deepEqual(seen.slice(0, 2), ["unhealthy:true", "healthy:true"]);
});
