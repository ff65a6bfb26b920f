import { test } from "node:test";
import assert from "node:assert/strict";
import type { LogEntry } from "../runtime/index.js";
import { formatLogs, rfc3339Nano } from "./format-logs.js";

async function collect(entries: LogEntry[], opts: { stdout: boolean; stderr: boolean; timestamps: boolean }): Promise<string[]> {
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
  assert.deepEqual(await collect(entries, { stdout: true, stderr: false, timestamps: true }), ["1:2026-01-01T00:00:01.12345678Z hello\n"]);
});

test("rfc3339Nano", () => {
  assert.equal(rfc3339Nano("2026-01-01T00:00:01.500000000Z"), "2026-01-01T00:00:01.5Z");
  assert.equal(rfc3339Nano("2026-01-01T00:00:01.000000000Z"), "2026-01-01T00:00:01Z");
  assert.equal(rfc3339Nano("2026-01-01T00:00:01Z"), "2026-01-01T00:00:01Z");
  assert.equal(rfc3339Nano("2026-01-01T01:00:01.250000000+01:00"), "2026-01-01T00:00:01.25Z");
});
