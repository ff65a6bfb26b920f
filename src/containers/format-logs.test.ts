import { test } from "node:test";
import assert from "node:assert/strict";
import type { LogEntry } from "../runtime/index.js";
import { formatLogs, logAttrs, rfc3339NanoFixed } from "./format-logs.js";

async function collect(entries: LogEntry[], opts: { stdout: boolean; stderr: boolean; timestamps: boolean; details?: string }): Promise<string[]> {
  async function* gen(): AsyncIterable<LogEntry> {
    yield* entries;
  }
  const out: string[] = [];
  for await (const c of formatLogs(gen(), opts)) out.push(`${c.stream}:${c.data.toString()}`);
  return out;
}

test("formatLogs merges partials, filters streams, adds timestamps", async () => {
  const t = "2026-01-01T00:00:01.123456780Z";
  const entries: LogEntry[] = [
    { time: t, stream: 1, partial: true, data: Buffer.from("hel") },
    // readLog gives full lines with their newline, partial pieces without
    { time: t, stream: 2, partial: false, data: Buffer.from("err\n") },
    { time: t, stream: 1, partial: false, data: Buffer.from("lo\n") },
  ];
  assert.deepEqual(await collect(entries, { stdout: true, stderr: true, timestamps: false }), ["2:err\n", "1:hello\n"]);
  assert.deepEqual(await collect(entries, { stdout: true, stderr: false, timestamps: true }), ["1:2026-01-01T00:00:01.123456780Z hello\n"]);
});

test("formatLogs: --details puts the attributes after the timestamp; none gives a lone space", async () => {
  const t = "2026-01-01T00:00:01.5Z";
  const entries: LogEntry[] = [{ time: t, stream: 1, partial: false, data: Buffer.from("x\n") }];
  assert.deepEqual(await collect(entries, { stdout: true, stderr: true, timestamps: true, details: "E=x,a=1" }), ["1:2026-01-01T00:00:01.500000000Z E=x,a=1 x\n"]);
  assert.deepEqual(await collect(entries, { stdout: true, stderr: true, timestamps: false, details: "" }), ["1: x\n"]);
});

test("rfc3339NanoFixed: nine fraction digits, UTC", () => {
  assert.equal(rfc3339NanoFixed("2026-01-01T00:00:01.500000000Z"), "2026-01-01T00:00:01.500000000Z");
  assert.equal(rfc3339NanoFixed("2026-01-01T00:00:01Z"), "2026-01-01T00:00:01.000000000Z");
  assert.equal(rfc3339NanoFixed("2026-01-01T00:00:01.12Z"), "2026-01-01T00:00:01.120000000Z");
  assert.equal(rfc3339NanoFixed("2026-01-01T01:00:01.250000000+01:00"), "2026-01-01T00:00:01.250000000Z");
});

test("logAttrs: labels and env named by the log options, sorted", () => {
  const labels = { a: "1", b: "2", "com.x": "3" };
  const env = ["E=x", "F=y", "PATH=/bin"];
  assert.equal(logAttrs(labels, env, { labels: "a,missing", env: "E" }), "E=x,a=1");
  assert.equal(logAttrs(labels, env, { "labels-regex": "^com\\.", "env-regex": "^F" }), "F=y,com.x=3");
  assert.equal(logAttrs(labels, env, {}), "");
});
