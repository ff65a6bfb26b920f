import type { CliContext } from "../context.js";
import { StatusError } from "../cli-error.js";
import { resolveCommand } from "../command-table.js";
import { usageTail } from "../usage.js";

/** docker's opts.ConvertKVStringsToMap ("k=v" → k:v, "k" → k:"") and sortorder.NaturalLess, shared by volume and network commands. */

export function kvMap(items: readonly string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const it of items) {
    const i = it.indexOf("=");
    if (i < 0) m[it] = "";
    else m[it.slice(0, i)] = it.slice(i + 1);
  }
  return m;
}

/** docker's label validation (opts.ValidateLabel): a label needs a non-empty key. Returns the first bad one. */
export function badLabel(items: readonly string[]): string | undefined {
  return items.find((it) => (it.split("=")[0] ?? "").trim() === "");
}

/** As pflag reports a --label value its validator refused: message, usage lines, exit 125. */
export function checkLabels(ctx: CliContext, items: readonly string[]): void {
  const bad = badLabel(items);
  if (bad === undefined) return;
  let msg = `invalid argument "${bad}" for "--label" flag: invalid label '${bad}': empty name`;
  const r = resolveCommand(ctx.commandPath.split(" "));
  if (r !== undefined) msg += `\n${usageTail(ctx.prog, r.typed, r.entry)}`.trimEnd();
  throw new StatusError(msg, 125);
}

/** Natural order: digit runs compare by value ("v2" < "v10"), as docker sorts names in ls output. */
export function naturalLess(a: string, b: string): boolean {
  return naturalCompare(a, b) < 0;
}

export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return pa.length - pb.length;
}
