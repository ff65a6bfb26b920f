import { test } from "node:test";
import assert from "node:assert/strict";
import { memSwapBytes, parseCpus, parseRestartPolicy, ramInBytes, updateBody, FlagValueError } from "./update.js";

test("ramInBytes follows go-units RAMInBytes", () => {
  assert.equal(ramInBytes("12"), 12);
  assert.equal(ramInBytes("1k"), 1024);
  assert.equal(ramInBytes("1KiB"), 1024);
  assert.equal(ramInBytes("1KB"), 1024);
  assert.equal(ramInBytes("512m"), 512 * 1024 ** 2);
  assert.equal(ramInBytes("1.5g"), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes("1 g"), 1024 ** 3);
  assert.equal(ramInBytes("10b"), 10);
  assert.equal(ramInBytes("1e3"), 1000);
  assert.throws(() => ramInBytes("abc"), { message: "invalid size: 'abc'" });
  assert.throws(() => ramInBytes(""), { message: "invalid size: ''" });
  assert.throws(() => ramInBytes("-5"), { message: "invalid size: '-5'" });
  assert.throws(() => ramInBytes("12q"), { message: "invalid suffix: 'q'" });
  assert.throws(() => ramInBytes("1kbb"), { message: "invalid suffix: 'kbb'" });
  assert.throws(() => ramInBytes("1.5.5"), { message: 'strconv.ParseFloat: parsing "1.5.5": invalid syntax' });
});

test("memSwapBytes accepts -1 only as unlimited", () => {
  assert.equal(memSwapBytes("-1"), -1);
  assert.equal(memSwapBytes("1g"), 1024 ** 3);
  assert.throws(() => memSwapBytes("-2"), { message: "invalid size: '-2'" });
});

test("parseCpus is exact rational arithmetic", () => {
  assert.equal(parseCpus("1.5"), 1_500_000_000);
  assert.equal(parseCpus("3/2"), 1_500_000_000);
  assert.equal(parseCpus("0.000000001"), 1);
  assert.equal(parseCpus("2e-1"), 200_000_000);
  assert.equal(parseCpus("-1"), -1_000_000_000);
  assert.throws(() => parseCpus("abc"), { message: "failed to parse abc as a rational number" });
  assert.throws(() => parseCpus("0.0000000001"), { message: "value is too precise" });
});

test("parseRestartPolicy", () => {
  assert.deepEqual(parseRestartPolicy("always"), { Name: "always", MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy("on-failure:3"), { Name: "on-failure", MaximumRetryCount: 3 });
  assert.throws(() => parseRestartPolicy(":3"), { message: "invalid restart policy format: no policy provided before colon" });
  assert.throws(() => parseRestartPolicy("always:x"), { message: "invalid restart policy format: maximum retry count must be an integer" });
});

test("updateBody sends docker's resources with zero for unset and PidsLimit only when non-zero", () => {
  const b = updateBody({ memory: "64m", cpus: "0.5", "cpu-shares": 512, "cpuset-cpus": "0", "memory-swap": "-1" });
  assert.equal(b.Memory, 64 * 1024 ** 2);
  assert.equal(b.NanoCpus, 500_000_000);
  assert.equal(b.CpuShares, 512);
  assert.equal(b.CpusetCpus, "0");
  assert.equal(b.MemorySwap, -1);
  assert.equal(b.MemoryReservation, 0);
  assert.equal("PidsLimit" in b, false);
  assert.equal(updateBody({ "pids-limit": -1 }).PidsLimit, -1);
  assert.throws(() => updateBody({ memory: "12q" }), (e: unknown) => e instanceof FlagValueError && e.message === `invalid argument "12q" for "-m, --memory" flag: invalid suffix: 'q'`);
  assert.throws(() => updateBody({ cpus: "abc" }), { message: `invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number` });
});
