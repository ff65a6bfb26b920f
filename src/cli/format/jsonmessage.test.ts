import { test } from "node:test";
import assert from "node:assert/strict";
import { displayJSONMessages, goDuration, humanSize, JSONMessageError, progressString, type DisplayMessage } from "./jsonmessage.js";

async function* from(ms: DisplayMessage[]): AsyncGenerator<DisplayMessage> {
  for (const m of ms) yield m;
}

async function render(ms: DisplayMessage[], tty: boolean, width = 120): Promise<{ text: string; writes: number; aux: DisplayMessage[] }> {
  let text = "";
  let writes = 0;
  const aux: DisplayMessage[] = [];
  await displayJSONMessages(from(ms), { write: (s: string) => ((text += s), writes++) }, tty, { width, auxCallback: (m) => aux.push(m) });
  return { text, writes, aux };
}

const stream: DisplayMessage[] = [
  { status: "Pulling from library/busybox", id: "latest" },
  { status: "Pulling fs layer", progressDetail: {}, id: "L1" },
  { status: "Downloading", progressDetail: { current: 500_000, total: 1_000_000 }, progress: "ignored on a tty", id: "L1" },
  { status: "Pulling fs layer", progressDetail: {}, id: "L2" },
  { status: "Pull complete", progressDetail: {}, id: "L1" },
  { status: "Digest: sha256:x" },
  { aux: { Tag: "latest", Digest: "sha256:x", Size: 1 } },
];

test("not a terminal: progress lines are skipped, every other line is printed once", async () => {
  const r = await render(stream, false);
  assert.equal(r.text, "latest: Pulling from library/busybox\nL1: Pulling fs layer\nL2: Pulling fs layer\nL1: Pull complete\nDigest: sha256:x\n");
  assert.equal(r.aux.length, 1, "aux goes to the callback, never to the output");
});

test("terminal: one line per id, updated in place with docker's cursor moves", async () => {
  const r = await render(stream, true);
  const bar = `[${"=".repeat(25)}>${" ".repeat(25)}]    500kB/1MB`;
  assert.equal(
    r.text,
    "latest: Pulling from library/busybox\n" +
      "\n\x1b[1A\x1b[2K\rL1: Pulling fs layer \r\x1b[1B" +
      `\x1b[1A\x1b[2K\rL1: Downloading ${bar}\r\x1b[1B` +
      "\n\x1b[1A\x1b[2K\rL2: Pulling fs layer \r\x1b[1B" +
      "\x1b[2A\x1b[2K\rL1: Pull complete \r\x1b[2B" +
      "Digest: sha256:x\n",
  );
  assert.equal(r.writes, 6, "one write per displayed message");
});

test("a line without id starts a new block; stream text is printed raw", async () => {
  const r = await render([{ status: "a", progressDetail: {}, id: "X" }, { stream: "Step 1/2\n" }, { status: "b", progressDetail: {}, id: "X" }], true);
  assert.equal(r.text, "\n\x1b[1A\x1b[2K\rX: a \r\x1b[1BStep 1/2\n\n\x1b[1A\x1b[2K\rX: b \r\x1b[1B");
});

test("the deprecated progress string is used when progressDetail is absent", async () => {
  const r = await render([{ status: "Loading layer", progress: "[==>  ] 1kB/2kB", id: "abc" }], false);
  assert.equal(r.text, "abc: Loading layer [==>  ] 1kB/2kB");
});

test("errorDetail ends the display with its message; `error` alone does not (as docker)", async () => {
  await assert.rejects(render([{ status: "x" }, { errorDetail: { message: "unauthorized: authentication required" }, error: "unauthorized: authentication required" }], false), (e: unknown) => {
    assert.ok(e instanceof JSONMessageError);
    assert.equal(e.message, "unauthorized: authentication required");
    return true;
  });
  const r = await render([{ error: "old style" }], false);
  assert.equal(r.text, "\n");
});

test("progress strings as JSONProgress.String()", () => {
  assert.equal(progressString({}, 120), "");
  assert.equal(progressString({ current: 1_200_000 }, 120), "   1.2MB");
  assert.equal(progressString({ current: 120, units: "files" }, 120), "120 files");
  assert.equal(progressString({ current: 512, total: 2_151_000 }, 80), "    512B/2.151MB", "no bar at 110 columns or less");
  assert.equal(progressString({ current: 3000, total: 1000 }, 80), "     3kB", "a wonky current hides the total");
  assert.equal(progressString({ current: 5, total: 10, units: "files" }, 80), "5/10 files");
  assert.equal(progressString({ current: 5, total: 10, hidecounts: true }, 80), "");
  const now = (): number => 1_000_000_000_000;
  assert.equal(progressString({ current: 250, total: 1000, start: 1_000_000_000 - 10 }, 80, now), "    250B/1kB 30s");
  assert.equal(progressString({ current: 250, total: 1000, start: 1_000_000_000 - 10 }, 40, now), "    250B/1kB", "no time left under 51 columns");
});

test("sizes as go-units HumanSize, durations as Go's", () => {
  assert.equal(humanSize(0), "0B");
  assert.equal(humanSize(999), "999B");
  assert.equal(humanSize(1000), "1kB");
  assert.equal(humanSize(32_768), "32.77kB");
  assert.equal(humanSize(2_151_000), "2.151MB");
  assert.equal(humanSize(999_999), "1000kB");
  assert.equal(humanSize(5e12), "5TB");
  assert.equal(goDuration(0), "0s");
  assert.equal(goDuration(1.5e9), "2s");
  assert.equal(goDuration(61e9), "1m1s");
  assert.equal(goDuration(3600e9), "1h0m0s");
});
