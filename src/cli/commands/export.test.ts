import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateOutputPath } from "./export.js";

test("validateOutputPath: parent must exist, special files refused", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "export-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(validateOutputPath(join(dir, "x.tar")), undefined);
  assert.equal(validateOutputPath("x.tar"), undefined);
  assert.equal(validateOutputPath(join(dir, "nope", "x.tar")), `invalid output path: stat ${join(dir, "nope")}: no such file or directory`);
  writeFileSync(join(dir, "f"), "");
  assert.equal(validateOutputPath(join(dir, "f")), undefined);
  assert.equal(validateOutputPath(join(dir, "f", "x")), `invalid output path: stat ${join(dir, "f")}: not a directory`);
  assert.equal(validateOutputPath(dir), "cannot write to a directory");
  assert.equal(validateOutputPath("/dev/null"), "cannot write to a character device file");
});
