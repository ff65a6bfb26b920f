/**
 * berthd's memory habits: it runs with one malloc arena (it starts itself again with MALLOC_ARENA_MAX=1,
 * same pid, unless the caller set a value), and after a spell of API activity followed by quiet it gives
 * memory back (V8's low-memory GC plus malloc_trim), logging the resident size before and after.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { sleep, startBerthd } from "../helpers/daemon.js";

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
}

async function waitForLog(log: () => string, re: RegExp, ms: number): Promise<RegExpMatchArray | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = re.exec(log());
    if (m || Date.now() > deadline) return m;
    await sleep(100);
  }
}

test("berthd restarts itself with one malloc arena and gives memory back when idle", async (t) => {
  const d = await startBerthd(t, { daemonEnv: { BERTH_IDLE_RECLAIM_MS: "700" } });
  const pid = d.pid;
  assert.ok(pid !== undefined);
  assert.ok(environ(pid).includes("MALLOC_ARENA_MAX=1"), "the spawned pid now runs with MALLOC_ARENA_MAX=1");
  assert.match(readFileSync(`/proc/${pid}/cmdline`, "latin1"), /--data-root\0/, "same arguments after the restart");
  assert.match(d.log(), /API listen on/, "stderr still reaches the log file after the restart");

  // start-up counts as activity: the first reclaim comes by itself
  assert.ok(await waitForLog(() => d.log(), /gave idle memory back/, 10_000), "a reclaim after start-up");
  const before = (d.log().match(/gave idle memory back/g) ?? []).length;

  // a burst of work that allocates: many JSON answers
  for (let i = 0; i < 150; i++) {
    const r = await d.api({ method: "GET", path: "/info" });
    assert.equal(r.status, 200);
  }
  const re = /gave idle memory back" rssBeforeKiB=(\d+) rssAfterKiB=(\d+)/g;
  const deadline = Date.now() + 10_000;
  let last: RegExpExecArray | undefined;
  while (Date.now() < deadline) {
    const all = [...d.log().matchAll(re)];
    if (all.length > before) {
      last = all[all.length - 1];
      break;
    }
    await sleep(100);
  }
  assert.ok(last, "a second reclaim after the burst went quiet");
  assert.ok(Number(last[2]) <= Number(last[1]) + 1024, `resident size did not grow: ${last[1]} -> ${last[2]} KiB`);
  assert.equal((await d.api({ method: "GET", path: "/_ping" })).status, 200, "still answers");

  // the ping above is activity too: let its reclaim come, then nothing more happens
  await sleep(1_500);
  const count = [...d.log().matchAll(re)].length;
  await sleep(2_000);
  assert.equal([...d.log().matchAll(re)].length, count, "quiet daemon: nothing more to do");
});

test("a MALLOC_ARENA_MAX the caller chose is kept", async (t) => {
  const d = await startBerthd(t, { daemonEnv: { MALLOC_ARENA_MAX: "3" } });
  const pid = d.pid;
  assert.ok(pid !== undefined);
  assert.ok(environ(pid).includes("MALLOC_ARENA_MAX=3"));
  assert.ok(!environ(pid).includes("MALLOC_ARENA_MAX=1"));
  assert.equal((await d.api({ method: "GET", path: "/_ping" })).status, 200);
});
