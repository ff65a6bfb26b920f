import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFlags, FlagError } from "./parser.js";
import type { FlagSpec } from "./parser.js";

const specs: FlagSpec[] = [
  { long: "interactive", short: "i", type: "bool", usage: "" },
  { long: "tty", short: "t", type: "bool", usage: "" },
  { long: "publish", short: "p", type: "stringArray", usage: "" },
  { long: "format", type: "string", usage: "" },
];

test("combined shorthands, attached values, repeats, --", () => {
  const r = parseFlags(specs, ["-it", "-p8080:80", "x", "-p", "1:2", "--format=a=b", "--tty=false", "--", "-i"]);
  assert.equal(r.flags.interactive, true);
  assert.equal(r.flags.tty, false);
  assert.deepEqual(r.flags.publish, ["8080:80", "1:2"]);
  assert.equal(r.flags.format, "a=b");
  assert.deepEqual(r.args, ["x", "-i"]);
});

test("non-interspersed stops at the first positional", () => {
  const r = parseFlags(specs, ["-i", "img", "-t"], { interspersed: false });
  assert.deepEqual(r.args, ["img", "-t"]);
  assert.equal(r.flags.tty, false);
});

test("errors use pflag wording", () => {
  assert.throws(() => parseFlags(specs, ["--foo"]), new FlagError("unknown flag: --foo"));
  assert.throws(() => parseFlags(specs, ["-iz"]), new FlagError("unknown shorthand flag: 'z' in -iz"));
  assert.throws(() => parseFlags(specs, ["--format"]), new FlagError("flag needs an argument: --format"));
  assert.throws(() => parseFlags(specs, ["-p"]), new FlagError("flag needs an argument: 'p' in -p"));
});
