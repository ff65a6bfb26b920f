import assert from "node:assert/strict";
import { test } from "node:test";
import { isoTime } from "./iso-time.js";

test("isoTime matches Date.prototype.toISOString", () => {
  const fixed = [0, -1, 1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001, -8.64e15, 8.64e15, 1.5, -1.5];
  for (const ms of fixed) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const ms = Math.round(((seed / 2 ** 31) * 2 - 1) * 8.64e15 * (i % 2 ? 1 : 1e-4));
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  }
  assert.match(isoTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test("isoTime refuses what toISOString refuses", () => {
  for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) assert.throws(() => isoTime(ms), RangeError);
});
