/** Parses docker's `filters` query parameter: `{"k":{"v":true}}` and `{"k":["v"]}` both → `{k:["v"]}`. */
import { InvalidArgumentError } from "../errdefs/index.js";
import type { Filters } from "./backend.js";

export function parseFilters(raw: string | null): Filters {
  if (raw === null || raw === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new InvalidArgumentError(`invalid filter: ${(e as Error).message}`, { cause: e });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidArgumentError("invalid filter: filters must be a JSON object");
  }
  const out: Filters = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      if (!v.every((x): x is string => typeof x === "string")) throw new InvalidArgumentError(`invalid filter '${k}': values must be strings`);
      out[k] = [...v];
    } else if (v !== null && typeof v === "object") {
      out[k] = Object.entries(v as Record<string, unknown>).filter(([, on]) => on === true).map(([val]) => val);
    } else {
      throw new InvalidArgumentError(`invalid filter '${k}'`);
    }
  }
  return out;
}
