import type { LogEntry } from "../runtime/index.js";

/**
 * Turns conmon k8s-file entries into docker log chunks: partial ("P") pieces of one line are merged,
 * stdout/stderr filtered, and with `timestamps` each line gets docker's RFC3339Nano prefix and a space.
 */
export async function* formatLogs(
  entries: AsyncIterable<LogEntry>,
  opts: { stdout: boolean; stderr: boolean; timestamps: boolean },
): AsyncIterable<{ stream: 1 | 2; data: Buffer }> {
  const pending: Record<1 | 2, { time: string; parts: Buffer[] } | undefined> = { 1: undefined, 2: undefined };
  for await (const e of entries) {
    const cur = pending[e.stream] ?? { time: e.time, parts: [] };
    cur.parts.push(e.data);
    if (e.partial) {
      pending[e.stream] = cur;
      continue;
    }
    pending[e.stream] = undefined;
    if ((e.stream === 1 && !opts.stdout) || (e.stream === 2 && !opts.stderr)) continue;
    const line = Buffer.concat(cur.parts); // readLog keeps the newline of a full line
    const data = opts.timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(cur.time)} `), line]) : line;
    yield { stream: e.stream, data };
  }
}

/** Go's RFC3339Nano in UTC: trailing zeros of the fraction trimmed, "Z" suffix. */
export function rfc3339Nano(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m || m[1] === undefined) return time;
  if (m[3] !== "Z") {
    const ms = Date.parse(time);
    if (Number.isNaN(ms)) return time;
    const frac = (m[2] ?? "").padEnd(9, "0").slice(3);
    const base = new Date(ms).toISOString().slice(0, 23).replace(/\.(\d{3})$/, ".$1" + frac);
    return trimFrac(base) + "Z";
  }
  return trimFrac(m[2] ? `${m[1]}.${m[2].slice(0, 9)}` : m[1]) + "Z";
}

function trimFrac(s: string): string {
  return s.replace(/\.?0+$/, (z) => (z.startsWith(".") || s.includes(".") ? "" : z));
}
