/**
 * The bundles in dist/ as built (scripts/build.mjs): ASCII only, so that V8 keeps each loaded source as
 * a one-byte string (half the heap of a two-byte one), and the characters the build escaped still mean
 * what they meant (a regular expression in the daemon that matches "µs").
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT, startBerthd } from "../helpers/daemon.js";

function bundles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bundles(path.join(dir, e.name)) : /\.c?js$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

test("every JS file in dist/ is ASCII", () => {
  const files = bundles(path.join(REPO_ROOT, "dist"));
  assert.ok(files.length >= 5, `bundles found: ${files.join(", ")}`);
  for (const f of files) {
    const bytes = readFileSync(f);
    const at = bytes.findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `${path.relative(REPO_ROOT, f)} has a non-ASCII byte at ${at}: ${bytes.subarray(Math.max(0, at - 30), at + 10).toString("utf8")}`);
  }
});

test("the daemon still reads a µs duration (an escaped character in a regular expression)", async (t) => {
  const d = await startBerthd(t);
  const ok = await d.api({ method: "POST", path: `/images/prune?filters=${encodeURIComponent(JSON.stringify({ until: ["5µs"] }))}` });
  assert.equal(ok.status, 200, ok.body.toString());
  const bad = await d.api({ method: "POST", path: `/images/prune?filters=${encodeURIComponent(JSON.stringify({ until: ["5xs"] }))}` });
  assert.equal(bad.status, 400, bad.body.toString());
});

test("a daemon's start-up and idle pings run no optimizing compile (its first one faults in ~3.5 MB of node's code)", async (t) => {
  const d = await startBerthd(t, { nodeArgs: ["--trace-opt"] });
  for (let i = 0; i < 5; i++) assert.equal((await d.api({ method: "GET", path: "/_ping" })).status, 200);
  await new Promise((r) => setTimeout(r, 500));
  const compiled = d
    .log()
    .split("\n")
    .filter((l) => l.startsWith("[marking") || l.startsWith("[compiling method"));
  assert.deepEqual(compiled, [], "V8 tiered a function up during start-up: look for the start-up work that made it hot");
});
