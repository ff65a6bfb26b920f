/**
 * Layer-gzip speed: the single-stream gzip (node:zlib createGzip, one core) against parallelGzip
 * (1 MiB blocks on the thread pool), on a file read from disk (page cache warm after the first run).
 *
 *   node out/bench/gzip-speed.js FILE [REPEATS=5] [LEVEL=1] [STREAMS=1]
 *   e.g. tar -cf - /usr/bin /usr/lib/x86_64-linux-gnu | head -c 200000000 > /tmp/corpus.tar
 *
 * Prints MB/s (10^6 bytes of input per second) and the compressed size per run, then medians.
 * STREAMS > 1 gzips that many equal slices of FILE at once (a push gzips up to 5 layers at once).
 * Variants: "single" (the old gzipAdaptive: one zlib stream), "parallel" (the new gzipAdaptive:
 * parallelGzip without dictionaries), "parallel-dict" (each block primed with the previous 32 KiB).
 */
import { createReadStream, readFileSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import { compress } from "../src/archive/compression.js";
import { parallelGzip } from "../src/archive/parallel-gzip.js";

const [file, repeatsArg, levelArg, streamsArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node out/bench/gzip-speed.js FILE [REPEATS] [LEVEL]");
  process.exit(2);
}
const repeats = Number(repeatsArg ?? 5);
const level = Number(levelArg ?? 1);
const streams = Math.max(1, Number(streamsArg ?? 1));
const inputBytes = statSync(file).size;
const slice = Math.ceil(inputBytes / streams);
const open = (i: number): Readable => createReadStream(file, { highWaterMark: 1 << 20, start: i * slice, end: Math.min(inputBytes, (i + 1) * slice) - 1 });

const variants: Record<string, (i: number) => Readable> = {
  single: (i) => compress(open(i), "gzip", level),
  parallel: (i) => parallelGzip(open(i), { level, dictionary: false }),
  "parallel-dict": (i) => parallelGzip(open(i), { level }),
};

/** Busy CPU seconds of the whole machine so far (/proc/stat, USER_HZ 100); 0 where there is none. */
function machineBusy(): number {
  try {
    const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return (total - (f[3] ?? 0) - (f[4] ?? 0)) / 100;
  } catch {
    return 0;
  }
}

/**
 * Wall-clock MB/s, output size, CPU seconds of this process (main + thread pool), and how many cores
 * other processes kept busy meanwhile (the noise: this machine is shared).
 */
async function run(make: (i: number) => Readable): Promise<{ mbps: number; size: number; cpu: number; others: number }> {
  const c0 = process.cpuUsage();
  const m0 = machineBusy();
  const t0 = process.hrtime.bigint();
  let size = 0;
  await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      for await (const c of make(i)) size += (c as Buffer).length;
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  return { mbps: inputBytes / 1e6 / s, size, cpu, others: Math.max(0, (machineBusy() - m0 - cpu) / s) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

const results: Record<string, number[]> = {};
const sizes: Record<string, number> = {};
const cpus: Record<string, number[]> = {};
console.log(`input ${inputBytes} bytes in ${streams} stream(s), level ${level}, ${repeats} rounds (variants interleaved)`);
for (let i = 0; i < repeats; i++) {
  for (const [name, make] of Object.entries(variants)) {
    const r = await run(make);
    (results[name] ??= []).push(r.mbps);
    sizes[name] = r.size;
    (cpus[name] ??= []).push(r.cpu);
    console.log(
      `  round ${i + 1} ${name.padEnd(16)} ${r.mbps.toFixed(1).padStart(7)} MB/s  ${r.size} bytes  cpu ${r.cpu.toFixed(2)} s  others ${r.others.toFixed(2)} cores`,
    );
  }
}
for (const [name, xs] of Object.entries(results)) {
  const sz = sizes[name] as number;
  console.log(
    `${name.padEnd(16)} median ${median(xs).toFixed(1)} MB/s (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})` +
      `  size ${sz} (${((100 * sz) / inputBytes).toFixed(2)} % of input)  cpu median ${median(cpus[name] ?? []).toFixed(2)} s`,
  );
}
