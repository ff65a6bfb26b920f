import assert from "node:assert/strict";
import { test } from "node:test";
import { ZERO_TIME, blkioOf, emptySample, parseNetDev, parseProcStat, statsStream, withPrevious } from "./stats-sampler.js";

test("stats: /proc/stat gives the host's CPU time in ns and the CPU count", () => {
  const s = parseProcStat("cpu  100 0 50 800 10 0 5 0 0 0\ncpu0 50 0 25 400 5 0 3 0 0 0\ncpu1 50 0 25 400 5 0 2 0 0 0\nintr 1\n");
  assert.equal(s.systemNs, (965 * 1e9) / 100);
  assert.equal(s.onlineCpus, 2);
});

test("stats: /proc/<pid>/net/dev per interface, without lo", () => {
  const text = [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
    "    lo:    9579      87    0    0    0     0          0         0     9579      87    0    0    0     0       0          0",
    "  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0",
  ].join("\n");
  assert.deepEqual(parseNetDev(text), {
    eth0: { rx_bytes: 1000, rx_packets: 10, rx_errors: 1, rx_dropped: 2, tx_bytes: 2000, tx_packets: 20, tx_errors: 3, tx_dropped: 4 },
  });
});

test("stats: blkio from cgroup v1 passes through, v2's io.stat becomes read/write", () => {
  assert.equal(blkioOf([]).io_service_bytes_recursive, null);
  const v1 = blkioOf([{ major: 8, minor: 0, op: "Read", value: 5 }]);
  assert.deepEqual(v1.io_service_bytes_recursive, [{ major: 8, minor: 0, op: "Read", value: 5 }]);
  const v2 = blkioOf([
    { major: 8, minor: 0, op: "rbytes", value: 5 },
    { major: 8, minor: 0, op: "wbytes", value: 6 },
    { major: 8, minor: 0, op: "rios", value: 1 },
    { major: 8, minor: 0, op: "dbytes", value: 9 },
  ]);
  assert.deepEqual(v2.io_service_bytes_recursive, [
    { major: 8, minor: 0, op: "read", value: 5 },
    { major: 8, minor: 0, op: "write", value: 6 },
  ]);
  assert.deepEqual(v2.io_serviced_recursive, [{ major: 8, minor: 0, op: "read", value: 1 }]);
});

test("stats: a container that is not running gives name and id only; streams end when it is gone", async () => {
  const ac = new AbortController();
  const one = [];
  for await (const s of statsStream({ stream: false, oneShot: false, signal: ac.signal, target: () => ({ id: "abc", name: "/x" }) })) one.push(s);
  assert.deepEqual(one, [emptySample({ id: "abc", name: "/x" })]);
  assert.equal(one[0]?.read, ZERO_TIME);
  let n = 0;
  const got = [];
  for await (const s of statsStream({ stream: true, oneShot: false, signal: ac.signal, intervalMs: 5, target: () => (n++ < 3 ? { id: "abc", name: "/x" } : undefined) })) got.push(s);
  assert.equal(got.length, 3);
  const a = { ...emptySample({ id: "i", name: "/n" }), read: "2020-01-01T00:00:00.000Z" };
  assert.equal(withPrevious(emptySample({ id: "i", name: "/n" }), a).preread, a.read);
});
