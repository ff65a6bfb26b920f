import { test } from "node:test";
import assert from "node:assert/strict";
import { RestartBackoff, shouldRestart } from "./restart-policy.js";
import { statusString } from "./status-string.js";
import { emptyRunState } from "./container-store.js";

test("restart back-off doubles and resets after 10s of running", () => {
  const b = new RestartBackoff();
  assert.deepEqual([b.next(10), b.next(10), b.next(10)], [100, 200, 400]);
  assert.equal(b.next(11_000), 100);
});

test("shouldRestart follows docker's policies", () => {
  assert.equal(shouldRestart({ Name: "no" }, 1, 0, false), false);
  assert.equal(shouldRestart({ Name: "always" }, 0, 5, false), true);
  assert.equal(shouldRestart({ Name: "always" }, 0, 0, true), false);
  assert.equal(shouldRestart({ Name: "on-failure" }, 0, 0, false), false);
  assert.equal(shouldRestart({ Name: "on-failure", MaximumRetryCount: 2 }, 1, 1, false), true);
  assert.equal(shouldRestart({ Name: "on-failure", MaximumRetryCount: 2 }, 1, 2, false), false);
});

test("status strings", () => {
  const now = Date.parse("2026-01-01T00:01:00Z");
  const st = { ...emptyRunState(), StartedAt: "2026-01-01T00:00:55Z", FinishedAt: "2026-01-01T00:00:57Z", ExitCode: 3 };
  assert.equal(statusString({ status: "running", state: st, restartCount: 0 }, now), "Up 5 seconds");
  assert.equal(statusString({ status: "paused", state: st, restartCount: 0 }, now), "Up 5 seconds (Paused)");
  assert.equal(statusString({ status: "exited", state: st, restartCount: 0 }, now), "Exited (3) 3 seconds ago");
  assert.equal(statusString({ status: "created", state: emptyRunState(), restartCount: 0 }, now), "Created");
});
