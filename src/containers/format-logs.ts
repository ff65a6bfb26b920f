import type { LogEntry } from "../runtime/index.js";
import { isoTime } from "../util/iso-time.js";

/**
 * Turns conmon k8s-file entries into docker log chunks: partial ("P") pieces of one line are merged,
 * stdout/stderr filtered; each line may get docker's prefixes: the timestamp (`timestamps`), then the
 * `details` attributes and a space (a lone space when there are none).
 */
export async function* formatLogs(
  entries: AsyncIterable<LogEntry>,
  opts: { stdout: boolean; stderr: boolean; timestamps: boolean; details?: string },
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
    const prefix = `${opts.timestamps ? `${rfc3339NanoFixed(cur.time)} ` : ""}${opts.details !== undefined ? `${opts.details} ` : ""}`;
    const data = prefix ? Buffer.concat([Buffer.from(prefix), line]) : line;
    yield { stream: e.stream, data };
  }
}

/** Go's RFC3339NanoFixed in UTC, as docker's daemon prints log timestamps: always nine fraction digits. */
export function rfc3339NanoFixed(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m || m[1] === undefined) return time;
  const frac = (m[2] ?? "").padEnd(9, "0").slice(0, 9);
  if (m[3] === "Z") return `${m[1]}.${frac}Z`;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  return `${isoTime(ms).slice(0, 19)}.${frac}Z`;
}

/**
 * The attributes `logs --details` shows for a json-file container: the labels named by the log-opt
 * "labels" (and matching "labels-regex") and the env vars named by "env" (and "env-regex"), as
 * key=value pairs sorted by key and joined by commas, like docker's json-file driver records them.
 */
export function logAttrs(labels: Record<string, string>, env: readonly string[], opts: Record<string, string>): string {
  const out = new Map<string, string>();
  const names = (v: string | undefined): string[] => (v ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
  const regex = (v: string | undefined): RegExp | undefined => {
    if (!v) return undefined;
    try {
      return new RegExp(v);
    } catch {
      return undefined;
    }
  };
  for (const k of names(opts["labels"])) if (labels[k] !== undefined) out.set(k, labels[k]);
  const lr = regex(opts["labels-regex"]);
  if (lr) for (const [k, v] of Object.entries(labels)) if (lr.test(k)) out.set(k, v);
  const envMap = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf("=");
    if (i > 0) envMap.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const k of names(opts["env"])) {
    const v = envMap.get(k);
    if (v !== undefined) out.set(k, v);
  }
  const er = regex(opts["env-regex"]);
  if (er) for (const [k, v] of envMap) if (er.test(k)) out.set(k, v);
  return [...out.keys()].sort().map((k) => `${k}=${out.get(k) ?? ""}`).join(",");
}
