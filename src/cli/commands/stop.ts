import { int, str } from "../flags/parser.js";
import type { FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { FlagSpec } from "../flags/parser.js";
import { postForEach } from "./container-each.js";

export const flags: FlagSpec[] = [
  { long: "signal", short: "s", type: "string", usage: "Signal to send to the container" },
  { long: "time", short: "t", type: "int", usage: "Seconds to wait before killing the container" },
];
export const args: ArgRule = { kind: "min", n: 1 };

/** stop's and restart's query: `signal` and `t`. */
export const stopQuery = (f: FlagValues): Record<string, string | number | undefined> => ({ signal: str(f, "signal"), t: int(f, "time") });

export const run = postForEach("stop", stopQuery);
