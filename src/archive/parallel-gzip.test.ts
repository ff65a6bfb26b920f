import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { test } from "node:test";
import { crc32, gunzipSync, createGunzip } from "node:zlib";
import { gzipAdaptive } from "./compression.js";
import { PARALLEL_GZIP_BLOCK, parallelGzip } from "./parallel-gzip.js";

async function readAll(r: AsyncIterable<Buffer | Uint8Array | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Splits a buffer into uneven chunks (so blocks never line up with input chunks). */
function* chunked(b: Buffer, step = 77_777): Generator<Buffer> {
  for (let i = 0; i < b.length; i += step) yield b.subarray(i, i + step);
}

/** Text-like data that repeats across block boundaries (so dictionaries matter). */
function compressible(n: number): Buffer {
  const words = ["layer ", "blob ", "digest ", "sha256:", "manifest ", "\n", "usr/lib/", "0123456789"];
  const parts: string[] = [];
  let len = 0;
  let seed = 7;
  while (len < n) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const w = words[seed % words.length] as string;
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join("")).subarray(0, n);
}

function gzipCommand(args: string[], input: Buffer): Buffer {
  return execFileSync("gzip", args, { input, maxBuffer: 256 << 20 });
}

/** One gzip member: header as zlib writes it, CRC-32 and ISIZE of the whole input in the trailer. */
function assertOneMember(gz: Buffer, data: Buffer): void {
  assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
  assert.equal(gz.readUInt32LE(gz.length - 8), crc32(data) >>> 0, "CRC-32");
  assert.equal(gz.readUInt32LE(gz.length - 4), data.length >>> 0, "ISIZE");
}

const BS = 64 * 1024; // a small block so edge sizes stay quick
const kinds: Record<string, (n: number) => Buffer> = {
  random: (n) => randomBytes(n),
  zero: (n) => Buffer.alloc(n),
  mixed: (n) => {
    const b = compressible(n);
    randomBytes(Math.floor(n / 3)).copy(b, Math.floor(n / 3));
    return b;
  },
};
const sizes = [0, 1, BS - 1, BS, BS + 1, 2 * BS, 3 * 1024 * 1024 + 5];

test("round trip through zlib.gunzipSync and gzip -dc / gzip -t for edge sizes and data kinds", async () => {
  for (const [kind, make] of Object.entries(kinds)) {
    for (const n of sizes) {
      const data = make(n);
      for (const level of [1, 6, 0]) {
        const gz = await readAll(parallelGzip(chunked(data), { level, blockSize: BS, concurrency: 3 }));
        const what = `${kind} ${n} bytes, level ${level}`;
        assert.ok(gunzipSync(gz).equals(data), `gunzipSync: ${what}`);
        assert.ok(gzipCommand(["-dc"], gz).equals(data), `gzip -dc: ${what}`);
        gzipCommand(["-t"], gz);
        assertOneMember(gz, data);
      }
    }
  }
});

test("default 1 MiB blocks: several MB of compressible data deflate like one stream, streaming gunzip agrees", async () => {
  const data = compressible(5 * PARALLEL_GZIP_BLOCK + 12345);
  const gz = await readAll(parallelGzip(chunked(data), { level: 1 }));
  assert.ok(gz.length < data.length / 2, "deflated");
  assert.ok((await readAll(Readable.from([gz]).pipe(createGunzip()))).equals(data));
  assert.ok(gzipCommand(["-dc"], gz).equals(data));
  assertOneMember(gz, data);
  // The previous block as dictionary: not worse than independent blocks.
  const noDict = await readAll(parallelGzip(chunked(data), { level: 1, dictionary: false }));
  assert.ok(gunzipSync(noDict).equals(data));
  assert.ok(gz.length <= noDict.length, `${gz.length} <= ${noDict.length}`);
});

test("output depends only on the bytes: input chunking and concurrency do not change it", async () => {
  const data = kinds.mixed?.(3 * BS + 999) as Buffer;
  const a = await readAll(parallelGzip([data], { level: 1, blockSize: BS, concurrency: 1 }));
  const b = await readAll(parallelGzip(chunked(data, 1000), { level: 1, blockSize: BS, concurrency: 4 }));
  const c = await readAll(parallelGzip(Readable.from(chunked(data, BS)), { level: 1, blockSize: BS }));
  assert.ok(a.equals(b));
  assert.ok(a.equals(c));
  // Strings and a plain Uint8Array are accepted as input too.
  assert.equal(gunzipSync(await readAll(parallelGzip((async function* () { yield "hé"; yield "llo"; })()))).toString(), "héllo");
  assert.equal(gunzipSync(await readAll(parallelGzip(new Uint8Array([1, 2, 3])))).length, 3);
});

test("an input error ends the output with that error", async () => {
  const boom = new Error("disk read failed");
  async function* failing(): AsyncGenerator<Buffer> {
    yield compressible(3 * BS);
    throw boom;
  }
  await assert.rejects(readAll(parallelGzip(failing(), { level: 1, blockSize: BS })), (e) => e === boom);
  // A failing Readable too (the error is emitted, not thrown).
  const r = new Readable({ read() {} });
  r.push(compressible(BS * 2));
  setImmediate(() => r.destroy(new Error("socket reset")));
  await assert.rejects(readAll(parallelGzip(r, { level: 1, blockSize: BS })), /socket reset/);
});

test("backpressure: a slow consumer keeps only a few blocks read ahead", async () => {
  const blocks = 40;
  let pulled = 0;
  const src = new Readable({
    highWaterMark: BS,
    read() {
      if (pulled >= blocks) return void this.push(null);
      pulled++;
      this.push(compressible(BS));
    },
  });
  const out = parallelGzip(src, { level: 1, blockSize: BS, concurrency: 2 });
  const parts: Buffer[] = [];
  let maxAhead = 0;
  let outBlocks = 0;
  for await (const c of out) {
    parts.push(c as Buffer);
    outBlocks++;
    await new Promise((r) => setTimeout(r, 5));
    maxAhead = Math.max(maxAhead, pulled - outBlocks);
  }
  assert.equal(pulled, blocks);
  // Read ahead: the blocks in flight (2), one being cut, and the input's and output's small buffers.
  if (process.env.PGZ_DEBUG) console.log({ maxAhead });
  assert.ok(maxAhead <= 8, `read ${maxAhead} blocks ahead of the consumer`);
  const all = Buffer.concat(parts);
  assert.equal(gunzipSync(all).length, blocks * BS);
});

test("destroying the output stops reading and releases the input", async () => {
  let pulled = 0;
  const src = new Readable({
    read() {
      pulled++;
      this.push(compressible(BS));
    },
  });
  const out = parallelGzip(src, { level: 1, blockSize: BS, concurrency: 2 });
  let n = 0;
  for await (const _ of out) {
    void _;
    if (++n === 3) break; // destroys `out`
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(src.destroyed, "input destroyed");
  const after = pulled;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pulled, after, "no more reads");
  if (process.env.PGZ_DEBUG) console.log({ pulled });
  assert.ok(pulled < 12, `read ${pulled} blocks`);
});

test("bad block size is rejected", () => {
  assert.throws(() => parallelGzip([], { blockSize: 100 }), RangeError);
});

test("gzipAdaptive: one member, deterministic, both levels decompress with gzip -dc", async () => {
  const text = compressible(4 * PARALLEL_GZIP_BLOCK + 3);
  const gz1 = await readAll(await gzipAdaptive(chunked(text)));
  const gz2 = await readAll(await gzipAdaptive([text]));
  assert.ok(gz1.equals(gz2), "same bytes for the same layer");
  assert.ok(gz1.length < text.length / 2, "deflated");
  assert.ok(gzipCommand(["-dc"], gz1).equals(text));
  assertOneMember(gz1, text);
  const random = randomBytes(2 * PARALLEL_GZIP_BLOCK + 1);
  const gzr = await readAll(await gzipAdaptive([random]));
  assert.ok(gzr.length > random.length, "stored blocks for incompressible data");
  assert.ok(gzipCommand(["-dc"], gzr).equals(random));
  assertOneMember(gzr, random);
});

test("several streams at once share the thread pool and each stays correct", async () => {
  const inputs = Array.from({ length: 6 }, (_, i) => Buffer.concat([Buffer.from(`stream ${i}\n`), compressible(5 * BS + i * 1000)]));
  const outs = await Promise.all(inputs.map((d) => readAll(parallelGzip(chunked(d), { level: 1, blockSize: BS }))));
  outs.forEach((gz, i) => assert.ok(gunzipSync(gz).equals(inputs[i] as Buffer), `stream ${i}`));
  // One of them failing does not disturb the others.
  async function* failing(): AsyncGenerator<Buffer> {
    yield compressible(4 * BS);
    throw new Error("gone");
  }
  const [bad, good] = await Promise.allSettled([readAll(parallelGzip(failing(), { blockSize: BS })), readAll(parallelGzip([inputs[0] as Buffer], { level: 1, blockSize: BS }))]);
  assert.equal(bad.status, "rejected");
  assert.ok(good.status === "fulfilled" && gunzipSync(good.value).equals(inputs[0] as Buffer));
});
