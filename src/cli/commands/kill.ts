import { str } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { FlagSpec } from "../flags/parser.js";
import { postForEach } from "./container-each.js";

export const flags: FlagSpec[] = [
  { long: "signal", short: "s", type: "string", usage: "Signal to send to the container" },
];
export const args: ArgRule = { kind: "min", n: 1 };

export const run = postForEach("kill", (f) => ({ signal: str(f, "signal") }));
