import { test } from "node:test";
import assert from "node:assert/strict";
import { getTimestamp } from "./logs.js";

test("getTimestamp: durations before now, unix seconds, RFC 3339, errors in docker's words", () => {
  const now = Date.UTC(2024, 0, 2, 3, 4, 5);
  assert.equal(getTimestamp("10m", now), String(now / 1000 - 600));
  assert.equal(getTimestamp("1h30m", now), String(now / 1000 - 5400));
  assert.equal(getTimestamp("1700000000", now), "1700000000");
  assert.equal(getTimestamp("1700000000.5", now), "1700000000.5");
  assert.equal(getTimestamp("0", now), "0");
  assert.equal(getTimestamp("2024-01-02T03:04:05Z", now), `${now / 1000}.000000000`);
  assert.equal(getTimestamp("2024-01-02T03:04:05.25+01:00", now), `${now / 1000 - 3600}.250000000`);
  assert.throws(() => getTimestamp("x", now), { message: 'failed to parse value as time or duration: "x"' });
  assert.throws(() => getTimestamp("12ab", now), { message: 'failed to parse value as time or duration: "12ab"' });
});
