import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parseSecretFlags } from "./build.js";

test("--secret: src/source files, env vars, defaults and errors", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-secret-flag-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, "tok");
  writeFileSync(f, "file-bytes");
  const m = parseSecretFlags([`id=a,src=${f}`, `id=b,source=${f}`, "id=c,env=MY_VAR", "id=MY_VAR", `src=${f}`, "id=d,type=env,src=MY_VAR"], { MY_VAR: "env-bytes" });
  assert.deepEqual(
    [...m].map(([k, v]) => [k, v.toString()]),
    [["a", "file-bytes"], ["b", "file-bytes"], ["c", "env-bytes"], ["MY_VAR", "env-bytes"], ["tok", "file-bytes"], ["d", "env-bytes"]],
  );
  assert.throws(() => parseSecretFlags(["id=x,colour=red"], {}), /unexpected key 'colour'/);
  assert.throws(() => parseSecretFlags(["id=x,env=NOPE"], {}), /environment variable NOPE is not set/);
  assert.throws(() => parseSecretFlags([`id=x,src=${path.join(dir, "missing")}`], {}), /failed to read secret x/);
  assert.throws(() => parseSecretFlags(["justaword"], {}), /must be a key=value pair/);
});
