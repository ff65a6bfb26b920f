import { test } from "node:test";
import assert from "node:assert/strict";
import {
  boolFilter,
  familiarMatch,
  globToRegExp,
  matchLabels,
  matchNoLabels,
  parseGoDuration,
  parseTimestamp,
  validateFilters,
} from "./filters.js";

test("reference globs match like docker (familiar string or name)", () => {
  const m = (p: string, r: string) => familiarMatch(globToRegExp(p), r);
  assert.ok(m("busybox", "docker.io/library/busybox:latest"));
  assert.ok(m("busybox:latest", "docker.io/library/busybox:latest"));
  assert.ok(m("busy*", "docker.io/library/busybox:1.36"));
  assert.ok(!m("busybox:1*", "docker.io/library/busybox:latest"));
  assert.ok(!m("*", "docker.io/a/b:latest"), "* does not cross /");
  assert.ok(m("*/*", "docker.io/a/b:latest"));
  assert.ok(m("localhost:5000/x", "localhost:5000/x:y"));
  assert.ok(m("b?sybox", "docker.io/library/busybox:latest"));
  assert.ok(m("[a-c]usybox", "docker.io/library/busybox:latest"));
});

test("labels, booleans and filter keys", () => {
  assert.ok(matchLabels(["a"], { a: "1" }));
  assert.ok(matchLabels(["a=1", "b"], { a: "1", b: "" }));
  assert.ok(!matchLabels(["a=2"], { a: "1" }));
  assert.ok(!matchLabels(["c"], { a: "1" }));
  assert.ok(matchNoLabels(["c"], { a: "1" }));
  assert.ok(!matchNoLabels(["a=1"], { a: "1" }));
  assert.equal(boolFilter({ dangling: ["true"] }, "dangling"), true);
  assert.equal(boolFilter({ dangling: ["false"] }, "dangling"), false);
  assert.equal(boolFilter({}, "dangling"), undefined);
  assert.throws(() => boolFilter({ dangling: ["maybe"] }, "dangling"), { message: "invalid filter 'dangling=maybe'" });
  assert.throws(() => validateFilters({ foo: ["x"] }, ["dangling"]), { message: "invalid filter 'foo'" });
});

test("timestamps: durations, unix seconds, dates", () => {
  assert.equal(parseGoDuration("1h30m"), 5400e3);
  assert.equal(parseGoDuration("10m"), 600e3);
  assert.equal(parseGoDuration("1.5s"), 1500);
  assert.equal(parseGoDuration("abc"), undefined);
  const now = Date.UTC(2024, 0, 2);
  assert.equal(parseTimestamp("24h", now), Date.UTC(2024, 0, 1));
  assert.equal(parseTimestamp("1700000000", now), 1700000000e3);
  assert.equal(parseTimestamp("1700000000.5", now), 1700000000500);
  assert.equal(parseTimestamp("2024-01-01", now), Date.UTC(2024, 0, 1));
  assert.equal(parseTimestamp("2024-01-01T10:00:00Z", now), Date.UTC(2024, 0, 1, 10));
  assert.throws(() => parseTimestamp("yesterday", now), /failed to parse/);
});
