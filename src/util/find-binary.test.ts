import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { findBinary } from "./find-binary.js";

test("findBinary: PATH in order, then the extra dirs; only executables; a name with a slash as it is", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-findbin-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b, extra] = ["a", "b", "extra"].map((d) => path.join(dir, d));
  for (const d of [a, b, extra]) mkdirSync(d as string);
  const put = (d: string, name: string, mode: number): void => {
    writeFileSync(path.join(d, name), "#!/bin/sh\n");
    chmodSync(path.join(d, name), mode);
  };
  put(a as string, "tool", 0o644); // not executable: passed over
  put(b as string, "tool", 0o755);
  put(extra as string, "late", 0o755);
  const saved = process.env["PATH"];
  t.after(() => {
    process.env["PATH"] = saved;
  });
  process.env["PATH"] = `${a}::${b}`;
  assert.equal(findBinary("tool"), path.join(b as string, "tool"));
  assert.equal(findBinary("late"), undefined);
  assert.equal(findBinary("late", [extra as string]), path.join(extra as string, "late"));
  assert.equal(findBinary(path.join(b as string, "tool")), path.join(b as string, "tool"));
  assert.equal(findBinary(path.join(a as string, "tool")), undefined);
});
