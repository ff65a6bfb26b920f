import { open, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export interface LogEntry { time: string; stream: 1 | 2; partial: boolean; data: Buffer }

function parseLine(line: Buffer): LogEntry | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const s3 = line.indexOf(0x20, s2 + 1);
  const time = line.subarray(0, s1).toString();
  const stream = line.subarray(s1 + 1, s2).toString() === "stderr" ? 2 : 1;
  const tag = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString();
  const partial = tag === "P";
  const text = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1);
  return { time, stream, partial, data: partial ? Buffer.from(text) : Buffer.concat([text, Buffer.from("\n")]) };
}

function timeNs(t: string): number {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return 0;
  const base = Date.parse(`${m[1] ?? ""}${m[3] ?? "Z"}`);
  return base / 1000 + Number(`0.${m[2] ?? "0"}`);
}

async function readAllLines(path: string): Promise<Buffer[]> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch {
    return [];
  }
  try {
    const buf = await fh.readFile();
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] === 0x0a) {
        out.push(buf.subarray(start, i));
        start = i + 1;
      }
    }
    return out;
  } finally {
    await fh.close();
  }
}

/**
 * Reads a conmon k8s-file log. `since`/`until` are Unix seconds (fractional allowed). With follow, keeps reading as
 * the file grows and across rotation (rename to path.1 + reopen) until signal aborts, `until` passes or stopWhen() is true.
 */
export async function* readLog(
  path: string,
  opts: { follow: boolean; tail?: number; since?: number; until?: number; signal: AbortSignal; stopWhen?: () => boolean },
): AsyncIterable<LogEntry> {
  const keep = (e: LogEntry): boolean => {
    const t = timeNs(e.time);
    if (opts.since !== undefined && opts.since > 0 && t < opts.since) return false;
    if (opts.until !== undefined && opts.until > 0 && t > opts.until) return false;
    return true;
  };
  // initial content: rotated file then current
  let lines = opts.tail !== undefined && opts.tail >= 0 ? [] as Buffer[] : await readAllLines(`${path}.1`);
  if (opts.tail !== undefined && opts.tail >= 0) lines = [...(await readAllLines(`${path}.1`)), ...(await readAllLines(path))];
  else lines = [...lines, ...(await readAllLines(path))];
  let entries = lines.map(parseLine).filter((e): e is LogEntry => e !== undefined);
  if (opts.tail !== undefined && opts.tail >= 0) {
    // tail counts full lines: find the start of the N-th last full line
    let full = 0;
    let idx = entries.length;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e && !e.partial) {
        full++;
        if (full > opts.tail) break;
      }
      idx = i;
    }
    if (opts.tail === 0) idx = entries.length;
    entries = entries.slice(idx);
  }
  for (const e of entries) {
    if (opts.signal.aborted) return;
    if (keep(e)) yield e;
  }
  if (!opts.follow) return;
  let ino = 0;
  let pos = 0;
  try {
    const st = await stat(path);
    ino = st.ino;
    pos = st.size;
  } catch {
    // not there yet
  }
  let pending: Buffer = Buffer.alloc(0);
  const readFrom = async (p: string, from: number): Promise<{ data: Buffer; size: number }> => {
    const fh = await open(p, "r");
    try {
      const st = await fh.stat();
      if (st.size < from) from = 0;
      const len = st.size - from;
      const data = Buffer.alloc(len);
      if (len > 0) await fh.read(data, 0, len, from);
      return { data, size: st.size };
    } finally {
      await fh.close();
    }
  };
  const emit = function* (data: Buffer): Generator<LogEntry> {
    pending = pending.length > 0 ? Buffer.concat([pending, data]) : data;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      if (pending[i] === 0x0a) {
        const e = parseLine(pending.subarray(start, i));
        start = i + 1;
        if (e && keep(e)) yield e;
      }
    }
    pending = Buffer.from(pending.subarray(start));
  };
  for (;;) {
    if (opts.signal.aborted) return;
    let st;
    try {
      st = await stat(path);
    } catch {
      st = undefined;
    }
    if (st && ino !== 0 && st.ino !== ino) {
      // rotated: finish the old file (now path.1), then start the new one from 0
      try {
        const r = await readFrom(`${path}.1`, pos);
        yield* emit(r.data);
      } catch {
        // gone
      }
      ino = st.ino;
      pos = 0;
    }
    if (st) {
      if (ino === 0) ino = st.ino;
      if (st.size !== pos) {
        try {
          const r = await readFrom(path, pos);
          pos = r.size;
          yield* emit(r.data);
        } catch {
          // raced with rotation
        }
      }
    }
    if (opts.until !== undefined && opts.until > 0 && Date.now() / 1000 > opts.until) return;
    if (opts.stopWhen?.()) {
      // one last drain
      try {
        const r = await readFrom(path, pos);
        pos = r.size;
        yield* emit(r.data);
      } catch {
        // ignore
      }
      return;
    }
    try {
      await sleep(100, undefined, { signal: opts.signal });
    } catch {
      return;
    }
  }
}
