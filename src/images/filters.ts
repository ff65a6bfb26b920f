/** Docker's image filter semantics for list and prune (reference globs, labels, times). */
import { InvalidArgumentError } from "../errdefs/index.js";
import { familiarName, parseFullReference, familiarString } from "../oci/index.js";

export type Filters = Record<string, string[]>;

/** Rejects filter keys docker does not accept: `invalid filter 'x'`. */
export function validateFilters(filters: Filters, accepted: readonly string[]): void {
  for (const k of Object.keys(filters)) if (!accepted.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
}

/** A boolean filter (`dangling`): undefined when absent. */
export function boolFilter(filters: Filters, key: string): boolean | undefined {
  const vs = filters[key];
  if (!vs || vs.length === 0) return undefined;
  let out: boolean | undefined;
  for (const v of vs) {
    const lv = v.toLowerCase();
    const b = lv === "true" || lv === "1" ? true : lv === "false" || lv === "0" ? false : undefined;
    if (b === undefined) throw new InvalidArgumentError(`invalid filter '${key}=${v}'`);
    out = out === undefined ? b : out && b;
  }
  return out;
}

/** Go's path.Match as a RegExp (`*` and `?` never match '/'; `[...]` classes; `\` escapes). */
export function globToRegExp(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") {
      i++;
      if (i >= pattern.length) throw new InvalidArgumentError("syntax error in pattern");
      re += escapeRe(pattern[i] ?? "");
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) throw new InvalidArgumentError("syntax error in pattern");
      let cls = pattern.slice(i + 1, end);
      let neg = false;
      if (cls.startsWith("^")) {
        neg = true;
        cls = cls.slice(1);
      }
      re += `[${neg ? "^/" : ""}${cls.replace(/[\]\\]/g, (m) => "\\" + m)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + "$");
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** reference.FamiliarMatch: the pattern matches the familiar string, or the familiar name. */
export function familiarMatch(pattern: RegExp, fullRef: string): boolean {
  const ref = parseFullReference(fullRef);
  return pattern.test(familiarString(ref)) || pattern.test(familiarName(ref));
}

/** `label=k` and `label=k=v` filters: all must match. */
export function matchLabels(values: readonly string[] | undefined, labels: Record<string, string>): boolean {
  if (!values) return true;
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq < 0) {
      if (!(v in labels)) return false;
    } else if (labels[v.slice(0, eq)] !== v.slice(eq + 1)) return false;
  }
  return true;
}

/** `label!=k` / `label!=k=v`: none may match. */
export function matchNoLabels(values: readonly string[] | undefined, labels: Record<string, string>): boolean {
  if (!values) return true;
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1)) return false;
  }
  return true;
}

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** Go's time.ParseDuration, in milliseconds; undefined when not a duration. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(s);
  if (!m) return s === "0" ? 0 : undefined;
  let total = 0;
  for (const p of s.replace(/^[-+]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g))
    total += Number(p[1]) * (durationUnits[p[2] ?? ""] ?? 0);
  return m[1] === "-" ? -total : total;
}

/**
 * docker's timestamp filter values (`until`, `since` for events): unix seconds (fractional allowed),
 * RFC 3339 / date forms, or a Go duration counted back from now. Returns unix milliseconds.
 */
export function parseTimestamp(value: string, now = Date.now()): number {
  const d = parseGoDuration(value);
  if (d !== undefined) return now - d;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  let s = value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += "T00:00:00";
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += "Z"; // docker takes local time; berthd runs in UTC
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`failed to parse value as time or duration: "${value}"`);
  return t;
}
