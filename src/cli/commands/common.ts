/** Helpers shared by commands: filters, ids, dates and a few common flag specs. */
import { createReadStream, openSync, type ReadStream } from "node:fs";
import { StatusError } from "../cli-error.js";
import type { FlagSpec } from "../flags/parser.js";
import { isoTime } from "../../util/iso-time.js";

export const FORMAT_FLAG: FlagSpec = {
  long: "format",
  type: "string",
  valueName: "string",
  usage:
    "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
};
export const FILTER_FLAG: FlagSpec = { long: "filter", short: "f", type: "stringArray", valueName: "filter", usage: "Filter output based on conditions provided" };

/** "key=value" list → docker's filters JSON ({"key":{"value":true}}), or undefined when empty. */
export function filtersJSON(list: readonly string[], extra: Record<string, string[]> = {}): string | undefined {
  const m: Record<string, Record<string, boolean>> = {};
  const add = (k: string, v: string): void => {
    (m[k] ??= {})[v] = true;
  };
  for (const f of list) {
    const i = f.indexOf("=");
    if (i < 0) throw new Error(`bad format of filter (expected name=value)`);
    add(f.slice(0, i).trim().toLowerCase(), f.slice(i + 1).trim());
  }
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) add(k, v);
  return Object.keys(m).length > 0 ? JSON.stringify(m) : undefined;
}

export function truncateId(id: string): string {
  const i = id.indexOf(":");
  const s = i >= 0 ? id.slice(i + 1) : id;
  return s.slice(0, 12);
}

/** Go's time.Time.String() in UTC ("2024-01-02 03:04:05 +0000 UTC"). */
export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${isoTime(d.getTime()).slice(0, 19).replace("T", " ")} +0000 UTC`;
}

/** Opens a file the user named, failing as Go's os.Open reports it ("open x: no such file or directory"). */
export function openInput(file: string): ReadStream {
  try {
    // A plain fd (not a FileHandle): a body the daemon refuses unread must not trip GC-close warnings.
    const fd = openSync(file, "r");
    return createReadStream("", { fd, autoClose: true, highWaterMark: 1 << 20 });
  } catch (e) {
    const m = /^E\w+: ([^,]+),/.exec((e as Error).message);
    throw new StatusError(`open ${file}: ${m?.[1] ?? (e as Error).message}`, 1);
  }
}
