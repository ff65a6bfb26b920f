/** Parses a Go-style duration ("1h", "90m", "1h30m", "45s", "0") or plain seconds into milliseconds. */
export function parseDuration(s: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== pos) return undefined;
    total += Number(m[1]) * (unit[m[2] ?? ""] ?? 0);
    pos += m[0].length;
  }
  return pos === s.length && s.length > 0 ? total : undefined;
}
