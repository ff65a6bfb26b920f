import { InvalidArgumentError } from "../errdefs/index.js";

export type Filters = Record<string, string[]>;

/** What a filter looks at. */
export interface VolumeFacts {
  name: string;
  driver: string;
  labels: Record<string, string>;
  inUse: boolean;
}

const LIST_KEYS = new Set(["dangling", "name", "label", "driver"]);
const PRUNE_KEYS = new Set(["label", "label!", "all"]);

function boolValue(key: string, v: string): boolean {
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new InvalidArgumentError(`invalid filter '${key}=${v}'`);
}

function checkKeys(f: Filters, allowed: Set<string>): void {
  for (const k of Object.keys(f)) if (!allowed.has(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
}

/** `label=k` (present) or `label=k=v` (equal). */
function labelMatches(labels: Record<string, string>, expr: string): boolean {
  const eq = expr.indexOf("=");
  if (eq < 0) return expr in labels;
  return labels[expr.slice(0, eq)] === expr.slice(eq + 1);
}

/** Throws for keys `volume ls` does not know. */
export function validateListFilters(f: Filters): void {
  checkKeys(f, LIST_KEYS);
  for (const v of f["dangling"] ?? []) boolValue("dangling", v);
}

/** GET /volumes filters: values of one key are OR-ed, keys AND-ed (name is a substring match, as in docker). */
export function matchesList(v: VolumeFacts, f: Filters): boolean {
  const dangling = f["dangling"];
  if (dangling && dangling.length > 0 && !dangling.some((d) => boolValue("dangling", d) === !v.inUse)) return false;
  const names = f["name"];
  if (names && names.length > 0 && !names.some((n) => v.name.includes(n))) return false;
  const drivers = f["driver"];
  if (drivers && drivers.length > 0 && !drivers.includes(v.driver)) return false;
  for (const l of f["label"] ?? []) if (!labelMatches(v.labels, l)) return false;
  return true;
}

/** Throws for keys `volume prune` does not know. */
export function validatePruneFilters(f: Filters): void {
  checkKeys(f, PRUNE_KEYS);
  for (const v of f["all"] ?? []) boolValue("all", v);
}

/**
 * Whether prune removes this volume: never one in use; from API 1.42 only anonymous ones unless
 * `all=true`; `label` filters must all match and `label!` filters must all miss.
 */
export function prunable(v: VolumeFacts & { anonymous: boolean }, f: Filters, apiAtLeast142: boolean): boolean {
  if (v.inUse) return false;
  const all = (f["all"] ?? []).some((x) => boolValue("all", x));
  if (apiAtLeast142 && !all && !v.anonymous) return false;
  for (const l of f["label"] ?? []) if (!labelMatches(v.labels, l)) return false;
  for (const l of f["label!"] ?? []) if (labelMatches(v.labels, l)) return false;
  return true;
}
