import assert from "node:assert/strict";
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import { createReadStream, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { contentChecksum, resolveSources } from "./copy-sources.js";
import { extractContext } from "./extract-context.js";
import { forgetContext, knownDigest } from "./file-digests.js";

test("context files are hashed while extracted; COPY checksums match a fresh read; a rewritten file is read again", async (t) => {
  const work = mkdtempSync(path.join(tmpdir(), "berth-digests-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const src = path.join(work, "src");
  mkdirSync(path.join(src, "d"), { recursive: true });
  writeFileSync(path.join(src, "Dockerfile"), "FROM scratch\nCOPY d /d\n");
  writeFileSync(path.join(src, "d", "a.txt"), "alpha\n");
  writeFileSync(path.join(src, "d", "big.bin"), Buffer.alloc(3 * 1024 * 1024, 7));
  execFileSync("tar", ["-C", src, "-cf", path.join(work, "ctx.tar"), "."]);
  const dest = path.join(work, "ctx");
  await extractContext(createReadStream(path.join(work, "ctx.tar")), dest, { dockerfile: "Dockerfile" });
  t.after(() => forgetContext(dest));

  const a = path.join(dest, "d", "a.txt");
  assert.ok(knownDigest(a, lstatSync(a)), "recorded at extraction");
  const entries = await resolveSources(dest, ["d"], { allowWildcards: true });
  const cached = await contentChecksum(entries);
  forgetContext(dest);
  assert.equal(knownDigest(a, lstatSync(a)), undefined);
  assert.equal(await contentChecksum(entries), cached, "the same sum as reading every file");

  // a file changed after extraction is not taken from the record
  await extractContext(createReadStream(path.join(work, "ctx.tar")), path.join(work, "ctx2"), { dockerfile: "Dockerfile" });
  const b = path.join(work, "ctx2", "d", "a.txt");
  writeFileSync(b, "changed\n");
  assert.equal(knownDigest(b, lstatSync(b)), undefined);
  forgetContext(path.join(work, "ctx2"));
});
