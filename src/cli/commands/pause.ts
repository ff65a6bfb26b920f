import type { ArgRule } from "../command.js";
import type { FlagSpec } from "../flags/parser.js";
import { postForEach } from "./container-each.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "min", n: 1 };

export const run = postForEach("pause");
