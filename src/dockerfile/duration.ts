/** Go's time.ParseDuration ("1h30m", "1.5s", "300ms", "-2us"), to nanoseconds. */
import { InvalidArgumentError } from "../errdefs/index.js";

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration string; throws InvalidArgumentError with Go's message on bad input. */
export function parseGoDuration(s: string): number {
  const quoted = JSON.stringify(s);
  const invalid = (): InvalidArgumentError => new InvalidArgumentError(`time: invalid duration ${quoted}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    neg = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  while (rest !== "") {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const intPart = num?.[1] ?? "";
    const fracPart = num?.[2];
    if (intPart === "" && (fracPart === undefined || fracPart === "")) throw invalid();
    rest = rest.slice(num?.[0].length ?? 0);
    const unitMatch = /^[^\d.]*/.exec(rest);
    const unit = unitMatch?.[0] ?? "";
    if (unit === "") throw new InvalidArgumentError(`time: missing unit in duration ${quoted}`);
    const mult = Object.hasOwn(UNITS, unit) ? UNITS[unit] : undefined;
    if (mult === undefined) {
      throw new InvalidArgumentError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    }
    rest = rest.slice(unit.length);
    let v = Number(intPart || "0") * mult;
    if (fracPart) v += Math.trunc(Number(fracPart) * (mult / 10 ** fracPart.length));
    total += v;
    if (total > 9223372036854775807) throw invalid();
  }
  return neg ? -total : total;
}
