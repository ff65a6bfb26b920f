import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { Readable } from "node:stream";
import { test } from "node:test";
import { applyLayer, compress, decompress, encodeEntryHeaders, tarChunks, type TarWriteEntry } from "../../src/archive/index.js";
import { sandbox, zeros } from "../fixtures/tars/tar-fixtures.js";

const GiB = 1024 ** 3;

test("a gzip bomb (one 2 GiB entry, generated on the fly) is stopped by maxBytes at once", async (t) => {
  const sb = await sandbox(t);
  async function* bomb(): AsyncGenerator<Buffer> {
    yield encodeEntryHeaders({ name: "bomb", type: "file", size: 2 * GiB });
    yield* zeros(2 * GiB);
  }
  const started = Date.now();
  const { compression, stream } = await decompress(compress(Readable.from(bomb()), "gzip"));
  assert.equal(compression, "gzip");
  await assert.rejects(applyLayer(stream, sb.dest, { whiteouts: "overlay", maxBytes: 16 << 20 }), /size budget.*maxBytes/);
  assert.ok(Date.now() - started < 5000, "stopped quickly");
  assert.deepEqual(readdirSync(sb.dest), []);
});

test("many small entries within maxBytes: the byte budget counts them all", async (t) => {
  const sb = await sandbox(t);
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for (let i = 0; i < 100; i++) yield { name: `f${i}`, type: "file", source: Buffer.alloc(1 << 20) };
  }
  await assert.rejects(applyLayer(Readable.from(tarChunks(entries())), sb.dest, { whiteouts: "overlay", maxBytes: 10 << 20 }), /maxBytes/);
  assert.ok(readdirSync(sb.dest).length <= 10);
});

test("zeros after the end-of-archive marker count against the budget", async (t) => {
  const sb = await sandbox(t);
  async function* trailing(): AsyncGenerator<Buffer> {
    yield* tarChunks([{ name: "a", type: "file", source: Buffer.from("a") }]);
    yield* zeros(2 * GiB);
  }
  const { stream } = await decompress(compress(Readable.from(trailing()), "gzip"));
  await assert.rejects(applyLayer(stream, sb.dest, { whiteouts: "overlay", maxBytes: 8 << 20 }), /after its end marker/);
});

test("an entry-count bomb is stopped by maxEntries", async (t) => {
  const sb = await sandbox(t);
  async function* many(): AsyncGenerator<TarWriteEntry> {
    for (let i = 0; ; i++) yield { name: `d${i}`, type: "dir" };
  }
  await assert.rejects(applyLayer(Readable.from(tarChunks(many())), sb.dest, { whiteouts: "overlay", maxEntries: 500 }), /maxEntries/);
  assert.equal(readdirSync(sb.dest).length, 500);
});

test("an aborted signal stops extraction", async (t) => {
  const sb = await sandbox(t);
  const ac = new AbortController();
  async function* slow(): AsyncGenerator<TarWriteEntry> {
    for (let i = 0; ; i++) {
      if (i === 50) ac.abort();
      yield { name: `f${i}`, type: "file", source: Buffer.from("x") };
    }
  }
  await assert.rejects(applyLayer(Readable.from(tarChunks(slow())), sb.dest, { whiteouts: "overlay", signal: ac.signal }), /canceled/);
});

test("an abort ends a wait for input that never comes", async (t) => {
  const sb = await sandbox(t);
  const parts: Buffer[] = [];
  for await (const c of tarChunks([{ name: "a", type: "file", source: Buffer.from("a") }])) parts.push(c);
  const head = Buffer.concat(parts);
  const stalled = new Readable({ read() {} });
  stalled.push(head.subarray(0, 1024)); // one entry, then silence
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(applyLayer(stalled, sb.dest, { whiteouts: "overlay", signal: ac.signal }), /canceled/);
});
