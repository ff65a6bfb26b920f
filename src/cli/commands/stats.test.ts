import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerStats } from "../../api/types/index.js";
import { bytesSize, cpuPercentUnix, memUsageNoCache, renderStats, statsEntry, statsRow, streamFrame } from "./stats.js";

function sample(over: Partial<ContainerStats> = {}): ContainerStats {
  return {
    read: "2024-01-01T00:00:01Z",
    preread: "2024-01-01T00:00:00Z",
    pids_stats: { current: 3, limit: 100 },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 8, minor: 0, op: "read", value: 4096 },
        { major: 8, minor: 0, op: "Write", value: 1_000_000 },
        { major: 8, minor: 16, op: "read", value: 4096 },
        { major: 8, minor: 0, op: "", value: 99 },
      ],
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: { cpu_usage: { total_usage: 300_000_000, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 20_000_000_000, online_cpus: 4, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
    precpu_stats: { cpu_usage: { total_usage: 100_000_000, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 16_000_000_000, online_cpus: 4, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
    memory_stats: { usage: 10 * 1024 * 1024, limit: 2 * 1024 ** 3, stats: { inactive_file: 2 * 1024 * 1024 } },
    name: "/web",
    id: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    networks: {
      eth0: { rx_bytes: 1500, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 700, tx_packets: 0, tx_errors: 0, tx_dropped: 0 },
      eth1: { rx_bytes: 500, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 300, tx_packets: 0, tx_errors: 0, tx_dropped: 0 },
    },
    ...over,
  };
}

test("cpu percent = cpu delta / system delta × online cpus × 100", () => {
  assert.equal(cpuPercentUnix(sample()), (200_000_000 / 4_000_000_000) * 4 * 100);
  const s = sample();
  s.cpu_stats.online_cpus = 0;
  s.cpu_stats.cpu_usage.percpu_usage = [1, 2];
  assert.equal(cpuPercentUnix(s), (200_000_000 / 4_000_000_000) * 2 * 100);
  const idle = sample();
  idle.precpu_stats.cpu_usage.total_usage = idle.cpu_stats.cpu_usage.total_usage;
  assert.equal(cpuPercentUnix(idle), 0);
});

test("memory excludes inactive file cache (v1 total_inactive_file first, never negative)", () => {
  assert.equal(memUsageNoCache({ usage: 100, stats: { total_inactive_file: 30, inactive_file: 10 } }), 70);
  assert.equal(memUsageNoCache({ usage: 100, stats: { inactive_file: 10 } }), 90);
  assert.equal(memUsageNoCache({ usage: 100, stats: { inactive_file: 200 } }), 100);
  assert.equal(memUsageNoCache({}), 0);
});

test("bytesSize is go-units BytesSize", () => {
  assert.equal(bytesSize(0), "0B");
  assert.equal(bytesSize(8 * 1024 * 1024), "8MiB");
  assert.equal(bytesSize(2 * 1024 ** 3), "2GiB");
  assert.equal(bytesSize(1536), "1.5KiB");
  assert.equal(bytesSize(1234567), "1.177MiB");
});

test("a row has docker's column texts", () => {
  const r = statsRow(statsEntry("web", sample()), true);
  assert.deepEqual(r, {
    BlockIO: "8.19kB / 1MB",
    CPUPerc: "20.00%",
    Container: "web",
    ID: "0123456789ab",
    MemPerc: "0.39%",
    MemUsage: "8MiB / 2GiB",
    Name: "web",
    NetIO: "2kB / 1kB",
    PIDs: "3",
  });
  const bad = statsRow({ ...statsEntry("x", sample({ name: "" })), isInvalid: true }, false);
  assert.equal(bad.CPUPerc, "--");
  assert.equal(bad.MemUsage, "-- / --");
  assert.equal(bad.Name, "--");
  assert.equal(bad.ID.length, 64);
});

test("default table and custom formats", () => {
  const e = statsEntry("web", sample());
  const table = renderStats("", [e], true);
  const lines = table.split("\n");
  assert.match(lines[0] ?? "", /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
  assert.match(lines[1] ?? "", /^0123456789ab\s+web\s+20\.00%\s+8MiB \/ 2GiB\s+0\.39%\s+2kB \/ 1kB\s+8\.19kB \/ 1MB\s+3$/);
  assert.equal(renderStats("{{.Name}}: {{.CPUPerc}}", [e], true), "web: 20.00%\n");
  assert.match(renderStats("table {{.Container}}\t{{.PIDs}}", [e], true), /^CONTAINER\s+PIDS\nweb\s+3\n$/);
  const j = JSON.parse(renderStats("json", [e], true)) as Record<string, string>;
  assert.deepEqual(Object.keys(j), ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]);
});

test("stream frames home the cursor and erase stale text", () => {
  assert.equal(streamFrame("A\nB\n"), "\x1b[HA\nB\n\x1b[HA \x1b[K\nB \x1b[K\n \x1b[K\n\x1b[J");
});
