import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { compress, decompress, sniffCompression } from "./compression.js";

async function readAll(r: AsyncIterable<Buffer | Uint8Array | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
// Mixed data: compressible and random, large enough to need several chunks.
const data = Buffer.concat([Buffer.alloc(300_000, 0x61), randomBytes(200_000), Buffer.from("end")]);

test("sniffs magic bytes", () => {
  assert.equal(sniffCompression(gzipSync(Buffer.from("x"))), "gzip");
  assert.equal(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])), "zstd");
  assert.equal(sniffCompression(Buffer.from("BZh91AY")), "bzip2");
  assert.equal(sniffCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), "xz");
  assert.equal(sniffCompression(Buffer.from("ustar")), "none");
  assert.equal(sniffCompression(Buffer.alloc(0)), "none");
});

test("gzip round trip, deterministic, and multi-member", async () => {
  const gz = await readAll(compress(Readable.from([data]), "gzip"));
  assert.ok(gz.equals(await readAll(compress(Readable.from([data]), "gzip"))));
  const d = await decompress(Readable.from([gz]));
  assert.equal(d.compression, "gzip");
  assert.ok((await readAll(d.stream)).equals(data));
  const multi = Buffer.concat([gzipSync(Buffer.from("one ")), gzipSync(Buffer.from("two"))]);
  assert.equal((await readAll((await decompress([multi])).stream)).toString(), "one two");
});

test("uncompressed input passes through unchanged", async () => {
  const d = await decompress((async function* () { yield data.subarray(0, 3); yield data.subarray(3); })());
  assert.equal(d.compression, "none");
  assert.ok((await readAll(d.stream)).equals(data));
});

test("corrupt or truncated gzip is an error", async () => {
  const gz = gzipSync(data);
  const corrupt = Buffer.from(gz);
  for (let i = 2000; i < 2100; i++) corrupt[i] = (corrupt[i] as number) ^ 0x55;
  await assert.rejects(async () => readAll((await decompress([corrupt])).stream), /gzip/);
  await assert.rejects(async () => readAll((await decompress([gz.subarray(0, gz.length - 100)])).stream), /gzip: unexpected end/);
});

test("zstd, bzip2 and xz via their commands; corrupt zstd is an error", async () => {
  for (const [cmd, name] of [["zstd", "zstd"], ["bzip2", "bzip2"], ["xz", "xz"]] as const) {
    const packed = execFileSync(cmd, ["-c"], { input: data, maxBuffer: 64 << 20 });
    const d = await decompress(Readable.from([packed]));
    assert.equal(d.compression, name);
    assert.ok((await readAll(d.stream)).equals(data), name);
    await assert.rejects(async () => readAll((await decompress([packed.subarray(0, packed.length >> 1)])).stream), new RegExp(name));
  }
  const z = await readAll(compress(Readable.from([data]), "zstd"));
  assert.ok((await readAll((await decompress([z])).stream)).equals(data));
});

test("gzipAdaptive: stored blocks for incompressible data, deflate for the rest; both gunzip back", async () => {
  const { randomBytes } = await import("node:crypto");
  const { gunzipSync } = await import("node:zlib");
  const { gzipAdaptive } = await import("./compression.js");
  const collect = async (r: AsyncIterable<Uint8Array>): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of r) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  };
  const random = randomBytes(3 * 1024 * 1024);
  const gzRandom = await collect(await gzipAdaptive([random]));
  assert.ok(gzRandom.length > random.length, "stored, not deflated");
  assert.ok(gunzipSync(gzRandom).equals(random));
  const text = Buffer.from("hello layer\n".repeat(300_000));
  const gzText = await collect(await gzipAdaptive([text.subarray(0, 1000), text.subarray(1000)]));
  assert.ok(gzText.length < text.length / 20, "deflated");
  assert.ok(gunzipSync(gzText).equals(text));
  assert.ok(gunzipSync(await collect(await gzipAdaptive([]))).length === 0);
});

test("gzipAdaptive: igzip when installed, zlib with BERTH_IGZIP=0; each deterministic, both gunzip back", async () => {
  const { gunzipSync } = await import("node:zlib");
  const { gzipAdaptive, igzipBinary } = await import("./compression.js");
  // program-like bytes: compressible, but not trivially
  const text = Buffer.concat(Array.from({ length: 40_000 }, (_, i) => Buffer.from(`line ${i} ${(i * 7919) % 1000} ${"x".repeat(i % 17)}\n`)));
  const fast1 = await readAll(await gzipAdaptive([text]));
  const fast2 = await readAll(await gzipAdaptive([text.subarray(0, 5), text.subarray(5)]));
  assert.ok(fast1.equals(fast2), "the same bytes give the same gzip");
  assert.ok(gunzipSync(fast1).equals(text));
  assert.equal(fast1.readUInt32LE(4), 0, "mtime 0");
  process.env["BERTH_IGZIP"] = "0";
  try {
    assert.equal(igzipBinary(), undefined);
    const slow = await readAll(await gzipAdaptive([text]));
    assert.ok(gunzipSync(slow).equals(text));
    // with igzip installed (setup installs isal) the two encoders give different streams
    delete process.env["BERTH_IGZIP"];
    if (igzipBinary()) assert.ok(!slow.equals(fast1), "igzip made the first stream");
  } finally {
    delete process.env["BERTH_IGZIP"];
  }
  execFileSync("gzip", ["-t"], { input: fast1 });
});

test("gzipFileFast: igzip reads the file itself, the same bytes as gzipAdaptive's; a missing file is an error", async (t) => {
  const { gunzipSync } = await import("node:zlib");
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { gzipAdaptive, gzipFileFast, igzipBinary } = await import("./compression.js");
  if (!igzipBinary()) {
    assert.equal(gzipFileFast("/nonexistent"), undefined, "without igzip: undefined (the caller streams)");
    return;
  }
  const dir = mkdtempSync("/tmp/berth-gzfile-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = Buffer.concat(Array.from({ length: 30_000 }, (_, i) => Buffer.from(`row ${i} ${(i * 31) % 977}\n`)));
  const file = join(dir, "layer.tar");
  writeFileSync(file, text);
  const gz = gzipFileFast(file);
  assert.ok(gz);
  const fromFile = await readAll(gz);
  assert.ok(gunzipSync(fromFile).equals(text));
  assert.ok(fromFile.equals(await readAll(await gzipAdaptive([text]))), "same stream as piping the bytes through igzip");
  const missing = gzipFileFast(join(dir, "gone.tar"));
  assert.ok(missing);
  await assert.rejects(readAll(missing), /igzip/);
});

test("isIncompressibleAsync agrees with isIncompressible", async () => {
  const { isIncompressible, isIncompressibleAsync } = await import("./compression.js");
  for (const s of [randomBytes(300_000), Buffer.alloc(300_000, 7), data, Buffer.alloc(0)]) assert.equal(await isIncompressibleAsync(s), isIncompressible(s));
});
