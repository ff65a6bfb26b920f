/**
 * Compression sniffing and (de)compression streams. gzip uses node:zlib (multi-member aware);
 * zstd, bzip2 and xz run Debian's `zstd`, `bzip2` and `xz` commands. A corrupt or truncated input
 * always ends the output stream with an error, never with a silently short stream.
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { availableParallelism } from "node:os";
import { PassThrough, Readable } from "node:stream";
import { InvalidArgumentError } from "../errdefs/index.js";
import { findBinary } from "../util/find-binary.js";
import { toIterator, type ByteInput } from "./byte-source.js";
import { parallelGzip } from "./parallel-gzip.js";

// node:zlib and node:child_process are loaded on first use: an idle daemon that never (de)compresses
// stays about 3 MB smaller.
const zlib = (): typeof import("node:zlib") => process.getBuiltinModule("node:zlib");
const spawnPiped = (cmd: string, args: string[], stdin: "pipe" | "ignore" = "pipe"): ChildProcessWithoutNullStreams =>
  process.getBuiltinModule("node:child_process").spawn(cmd, args, { stdio: [stdin, "pipe", "pipe"] }) as ChildProcessWithoutNullStreams;

export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

/** Commands spawned for the formats zlib lacks. */
export const DECOMPRESS_COMMANDS: Record<"zstd" | "bzip2" | "xz", string[]> = {
  zstd: ["zstd", "-dc", "-q"],
  bzip2: ["bzip2", "-dc"],
  xz: ["xz", "-dc"],
};

/** Identifies a compression format from the first bytes (6 are enough). */
export function sniffCompression(head: Uint8Array): Compression {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return "gzip";
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  // zstd skippable frames (0x184D2A50..5F) may come first.
  if (b.length >= 4 && (b.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50) return "zstd";
  if (b.length >= 3 && b.toString("latin1", 0, 3) === "BZh") return "bzip2";
  if (b.length >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return "xz";
  return "none";
}

/**
 * A chunk as a Buffer without copying its bytes (a Uint8Array gets a Buffer view of the same memory).
 * Buffer.from(aBuffer) would copy: for every byte of every layer read through here.
 */
function asBuffer(v: Uint8Array | string): Buffer {
  if (typeof v === "string") return Buffer.from(v);
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Reads the first `n` bytes (fewer at EOF) and returns them with a stream of the rest. */
async function peek(input: ByteInput, n: number): Promise<{ head: Buffer; rest: AsyncIterator<Uint8Array | string> }> {
  const it = toIterator(input);
  const parts: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = await it.next();
    if (r.done) break;
    const b = asBuffer(r.value);
    parts.push(b);
    len += b.length;
  }
  return { head: Buffer.concat(parts), rest: it };
}

function joined(head: Buffer, rest: AsyncIterator<Uint8Array | string>): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield asBuffer(r.value);
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

/** Pipes `input` through a command; the output errors unless the command exits 0. */
export function throughCommand(input: Readable | undefined, argv: string[], what: string): Readable {
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawnPiped(cmd, args, input ? "pipe" : "ignore");
  const out = new PassThrough();
  out.on("error", () => undefined); // readers see it through iteration; never an unhandled 'error'
  let stderr = "";
  let failed = false;
  const fail = (err: Error): void => {
    if (failed) return;
    failed = true;
    child.kill("SIGKILL");
    input?.destroy();
    out.destroy(err);
  };
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  child.on("error", (e) => fail(new InvalidArgumentError(`${what}: cannot run ${cmd}: ${e.message}`, { cause: e })));
  if (input) {
    child.stdin.on("error", () => undefined); // EPIPE when the command quits early: its exit status tells
    input.on("error", (e) => fail(e));
    input.pipe(child.stdin);
  }
  child.stdout.pipe(out, { end: false });
  child.on("close", (code, signal) => {
    if (failed) return;
    if (code === 0) out.end();
    else fail(new InvalidArgumentError(`${what}: ${cmd} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
  });
  out.on("close", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    input?.destroy();
  });
  return out;
}

function gunzip(input: Readable): Readable {
  const z = zlib().createGunzip();
  input.on("error", (e) => z.destroy(e));
  z.on("close", () => input.destroy());
  const wrapped = new PassThrough();
  z.on("error", (e) => wrapped.destroy(new InvalidArgumentError(`gzip: ${e.message}`, { cause: e })));
  input.pipe(z).pipe(wrapped);
  wrapped.on("close", () => z.destroy());
  // Readers see the error through iteration or their own listener; never let it go unhandled.
  wrapped.on("error", () => undefined);
  return wrapped;
}

export interface Decompressed {
  compression: Compression;
  stream: Readable;
}

/** Sniffs the input's compression and returns a stream of its decompressed bytes. */
export async function decompress(input: ByteInput): Promise<Decompressed> {
  const { head, rest } = await peek(input, 6);
  const compression = sniffCompression(head);
  const raw = joined(head, rest);
  switch (compression) {
    case "none":
      return { compression, stream: raw };
    case "gzip":
      return { compression, stream: gunzip(raw) };
    case "zstd":
    case "bzip2":
    case "xz":
      return { compression, stream: throughCommand(raw, DECOMPRESS_COMMANDS[compression], compression) };
  }
}

/** Compresses a stream. gzip output is deterministic (zlib writes mtime 0). */
export function compress(input: ByteInput, compression: "none" | "gzip" | "zstd", level?: number): Readable {
  const raw = input instanceof Readable ? input : joined(Buffer.alloc(0), toIterator(input));
  if (compression === "none") return raw;
  if (compression === "zstd") return throughCommand(raw, ["zstd", "-c", "-q", `-${level ?? 3}`], "zstd");
  // 1 MiB output chunks: with the default 16 KiB, thread-pool round trips cost a fifth of the throughput
  const z = zlib().createGzip({ level: level ?? zlib().constants.Z_DEFAULT_COMPRESSION, chunkSize: 1 << 20 });
  raw.on("error", (e) => z.destroy(e));
  return raw.pipe(z);
}

/** How much of a stream gzipAdaptive test-compresses to choose its level. */
const SAMPLE_BYTES = 1024 * 1024;

/**
 * gzip for layers pushed to registries: level 1 (about twice level 6's speed for 8 % more bytes), or
 * level 0 (stored blocks, ~10× faster) when a sample of the start does not shrink by 5 %: random or
 * already-compressed data gains nothing from deflate but costs it ~50 MB/s. Still a plain gzip stream
 * (one member). Level 1 is isa-l's igzip when installed, else zlib (in 1 MiB blocks on every core when
 * no other layer is being compressed: parallel-gzip.ts).
 */
export async function gzipAdaptive(input: ByteInput): Promise<Readable> {
  const { head, rest } = await peek(input, SAMPLE_BYTES);
  // Stored blocks cost little CPU: one zlib stream is faster there (~1.2 GB/s vs ~0.7 GB/s in blocks).
  if (isIncompressible(head)) return compress(joined(head, rest), "gzip", 0);
  const src = joined(head, rest);
  const fast = igzipBinary();
  // -n: no name, mtime 0, so the same layer gives the same bytes
  if (fast) return throughCommand(src, [fast, "-1", "-n", "-c"], "igzip");
  // Without igzip: layers compressed side by side (a push gzips up to 5 at once) already keep every core busy, and
  // there one zlib stream each is cheaper than blocks (measured: 10 layers pushed 15 % faster). A
  // layer that starts while no other is being compressed gets every core through 1 MiB blocks
  // (~1.7× on 2 cores).
  const out = activeGzips > 0 || availableParallelism() < 2 ? compress(src, "gzip", 1) : parallelGzip(src, { level: 1, dictionary: false }); // no dictionary: 0.12 % fewer bytes is not worth 3 % more CPU
  activeGzips++;
  let counted = true;
  const done = (): void => {
    if (counted) activeGzips--;
    counted = false;
  };
  out.once("close", done);
  out.once("end", done);
  out.once("error", done);
  return out;
}

/**
 * gzip level 1 of a file that deflate can shrink, read by igzip itself when it is installed (the bytes
 * then never pass through Node on the way in: for a pushed layer, the tar berth keeps); undefined
 * without igzip (use gzipAdaptive on a stream of the file).
 */
export function gzipFileFast(file: string): Readable | undefined {
  const fast = igzipBinary();
  return fast ? throughCommand(undefined, [fast, "-1", "-n", "-c", file], "igzip") : undefined;
}

/** isIncompressible off the event loop (zlib on the thread pool): for samples taken while other work runs. */
export function isIncompressibleAsync(sample: Uint8Array): Promise<boolean> {
  const s = sample.subarray(0, SAMPLE_BYTES);
  if (s.length === 0) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    zlib().deflateRaw(s, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out.length > s.length * 0.95)));
  });
}

/** Level-1 gzip streams of gzipAdaptive still running (chooses between one stream and blocks). */
let activeGzips = 0;

let igzipFound: string | null | undefined;
/**
 * isa-l's `igzip` (Debian package isal), when installed: its level 1 deflates program code about 5×
 * as fast as zlib's level 1 on one core (0.48 s vs 2.4 s for 200 MB here) for ~3 % more bytes, and
 * writes a plain gzip member. BERTH_IGZIP=0 turns it off (zlib then, in blocks when alone).
 */
export function igzipBinary(): string | undefined {
  if (process.env["BERTH_IGZIP"] === "0") return undefined;
  if (igzipFound === undefined) igzipFound = findBinary("igzip") ?? null;
  return igzipFound ?? undefined;
}

/** Whether deflate (level 1) fails to shrink the first MB of `sample` by 5 %. Empty input is not. */
export function isIncompressible(sample: Uint8Array): boolean {
  const s = sample.subarray(0, SAMPLE_BYTES);
  return s.length > 0 && zlib().deflateRawSync(s, { level: 1 }).length > s.length * 0.95;
}

/** Bytes a compressibility sample needs. */
export const COMPRESSIBILITY_SAMPLE_BYTES = SAMPLE_BYTES;
