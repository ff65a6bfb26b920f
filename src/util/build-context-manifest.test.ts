import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "../errdefs/index.js";
import { isCleanRelPath, manifestDigests, parseContextManifest } from "./build-context-manifest.js";

const D = "a".repeat(64);
const file = (path: string, digest = D) => ({ path, type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 1, size: 3, digest });
const dir = (path: string) => ({ path, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 1 });
const link = (path: string, linkname: string) => ({ path, type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime: 1, linkname });

test("a well-formed manifest parses; digests are listed once", () => {
  const m = parseContextManifest({ version: 1, entries: [dir("d"), file("d/x"), file("y", "b".repeat(64)), file("z"), link("l", "/etc/passwd")] });
  assert.equal(m.entries.length, 5);
  assert.deepEqual([...manifestDigests(m).keys()], [D, "b".repeat(64)]);
});

test("paths outside the context, unclean or duplicated are refused", () => {
  for (const p of ["../x", "/etc/passwd", "a/../b", "./a", "a//b", "a/", "", "a\0b", ".."]) {
    assert.equal(isCleanRelPath(p), false, p);
    assert.throws(() => parseContextManifest({ version: 1, entries: [dir("a"), file(p)] }), InvalidArgumentError, p);
  }
  assert.throws(() => parseContextManifest({ version: 1, entries: [file("x"), file("x")] }), /appears twice/);
});

test("a file under a symlink or a file is refused (no writes through links); unlisted parents are implicit", () => {
  assert.throws(() => parseContextManifest({ version: 1, entries: [link("l", "/etc"), file("l/passwd")] }), /is not a directory/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [link("l", "/etc"), file("l/a/b")] }), /is not a directory/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [file("f"), file("f/x")] }), /is not a directory/);
  // a directory listed after its content (made implicitly first) appears twice
  assert.throws(() => parseContextManifest({ version: 1, entries: [file("d/x"), dir("d")] }), /appears twice/);
  const m = parseContextManifest({ version: 1, entries: [file("logs/sub/keep.log")] });
  assert.deepEqual(
    m.entries.map((e) => [e.path, e.type, e.implicit ?? false]),
    [["logs", "dir", true], ["logs/sub", "dir", true], ["logs/sub/keep.log", "file", false]],
  );
});

test("bad types, digests, modes and versions are refused", () => {
  assert.throws(() => parseContextManifest({ version: 2, entries: [] }), /version/);
  assert.throws(() => parseContextManifest({ version: 1 }), /entries/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [{ ...file("x"), type: "char" }] }), /type/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [file("x", "A".repeat(64))] }), /digest/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [{ ...file("x"), mode: 0o10000 }] }), /mode/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [{ ...file("x"), size: -1 }] }), /size/);
  assert.throws(() => parseContextManifest({ version: 1, entries: [link("l", "")] }), /link target/);
});
