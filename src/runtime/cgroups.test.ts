import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cgroupMode, readCgroupStats, readOomKilled } from "./cgroups.js";

function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(content)) writeFileSync(join(dir, k), v);
}

/** One container state (cpu 2.5 s = 1.5 s user + 1 s system, 12 MiB used, 32 MiB limit, 3 of 10 pids, one OOM kill), written both ways. */
function fakeTrees(root: string): { v1: string; v2: string } {
  const cg = "berth/c1";
  const v1 = join(root, "v1");
  files(join(v1, "cpuacct", cg), { "cpuacct.usage": "2500000000\n", "cpuacct.usage_percpu": "2000000000 500000000 \n", "cpuacct.stat": "user 150\nsystem 100\n" });
  files(join(v1, "cpu", cg), { "cpu.stat": "nr_periods 4\nnr_throttled 1\nthrottled_time 5000\n" });
  files(join(v1, "memory", cg), {
    "memory.usage_in_bytes": String(12 * 1024 * 1024),
    "memory.max_usage_in_bytes": String(20 * 1024 * 1024),
    "memory.limit_in_bytes": String(32 * 1024 * 1024),
    "memory.stat": "cache 4096\nrss 8192\n",
    "memory.failcnt": "2\n",
    "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
  });
  files(join(v1, "pids", cg), { "pids.current": "3\n", "pids.max": "10\n" });
  files(join(v1, "blkio", cg), { "blkio.throttle.io_service_bytes": "8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n" });
  const v2 = join(root, "v2");
  files(v2, { "cgroup.controllers": "cpu memory pids io\n" });
  files(join(v2, cg), {
    "cpu.stat": "usage_usec 2500000\nuser_usec 1500000\nsystem_usec 1000000\nnr_periods 4\nnr_throttled 1\nthrottled_usec 5\n",
    "memory.current": String(12 * 1024 * 1024),
    "memory.peak": String(20 * 1024 * 1024),
    "memory.max": String(32 * 1024 * 1024),
    "memory.stat": "file 4096\nanon 8192\n",
    "memory.events": "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n",
    "pids.current": "3\n",
    "pids.max": "10\n",
    "io.stat": "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n",
  });
  return { v1, v2 };
}

test("cgroups: v1 and v2 trees of the same state read the same numbers; the layout is probed", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "berth-cg-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { v1, v2 } = fakeTrees(root);
  assert.equal(cgroupMode(v2), "v2");
  assert.equal(cgroupMode(v1), "v1");
  const a = await readCgroupStats("berth/c1", v1);
  const b = await readCgroupStats("berth/c1", v2);
  for (const s of [a, b]) {
    assert.equal(s.cpu.totalNs, 2_500_000_000);
    assert.equal(s.cpu.userNs, 1_500_000_000);
    assert.equal(s.cpu.systemNs, 1_000_000_000);
    assert.deepEqual([s.cpu.throttlingPeriods, s.cpu.throttledPeriods, s.cpu.throttledNs], [4, 1, 5000]);
    assert.equal(s.memory.usage, 12 * 1024 * 1024);
    assert.equal(s.memory.maxUsage, 20 * 1024 * 1024);
    assert.equal(s.memory.limit, 32 * 1024 * 1024);
    assert.equal(s.memory.failcnt, 2);
    assert.deepEqual([s.pids.current, s.pids.limit], [3, 10]);
  }
  assert.deepEqual(a.cpu.perCpuNs, [2_000_000_000, 500_000_000]);
  assert.equal(a.blkio.reduce((n, e) => n + e.value, 0), 12288);
  assert.equal(b.blkio.filter((e) => e.op === "rbytes" || e.op === "wbytes").reduce((n, e) => n + e.value, 0), 12288);
  const noState = join(root, "nostate");
  assert.equal(await readOomKilled(noState, "berth/c1", v1), true);
  assert.equal(await readOomKilled(noState, "berth/c1", v2), true);
  // unlimited reads as 0 both ways
  writeFileSync(join(v1, "memory", "berth/c1", "memory.limit_in_bytes"), "9223372036854771712\n");
  writeFileSync(join(v2, "berth/c1", "memory.max"), "max\n");
  writeFileSync(join(v2, "berth/c1", "pids.max"), "max\n");
  assert.equal((await readCgroupStats("berth/c1", v1)).memory.limit, 0);
  const un = await readCgroupStats("berth/c1", v2);
  assert.deepEqual([un.memory.limit, un.pids.limit], [0, 0]);
});
