import { test } from "node:test";
import assert from "node:assert/strict";
import { CopyError, getRebaseName, prepareArchiveCopy, rebaseName, resolveLocalPath, splitCpArg, splitPathDirEntry, modeHas, MODE_DIR, MODE_SYMLINK } from "./cp-path.js";

test("splitCpArg", () => {
  assert.deepEqual(splitCpArg("c1:/etc/hosts"), ["c1", "/etc/hosts"]);
  assert.deepEqual(splitCpArg("/abs:x"), ["", "/abs:x"]);
  assert.deepEqual(splitCpArg("./a:b"), ["", "./a:b"]);
  assert.deepEqual(splitCpArg("file"), ["", "file"]);
  assert.deepEqual(splitCpArg("c1:rel"), ["c1", "rel"]);
  assert.deepEqual(splitCpArg("-"), ["", "-"]);
});

test("resolveLocalPath keeps a trailing / and /.", () => {
  assert.equal(resolveLocalPath("x", "/w"), "/w/x");
  assert.equal(resolveLocalPath("x/", "/w"), "/w/x/");
  assert.equal(resolveLocalPath("x/.", "/w"), "/w/x/.");
  assert.equal(resolveLocalPath(".", "/w"), "/w/.");
  assert.equal(resolveLocalPath("/a/../b//", "/w"), "/b/");
  assert.equal(resolveLocalPath("/", "/w"), "/");
});

test("splitPathDirEntry", () => {
  assert.deepEqual(splitPathDirEntry("/a/b"), ["/a", "b"]);
  assert.deepEqual(splitPathDirEntry("/a/b/"), ["/a", "b"]);
  assert.deepEqual(splitPathDirEntry("/a/b/."), ["/a/b", "."]);
  assert.deepEqual(splitPathDirEntry("/"), ["/", "/"]);
});

test("getRebaseName", () => {
  assert.deepEqual(getRebaseName("/a/link", "/a/target"), ["/a/target", "link"]);
  assert.deepEqual(getRebaseName("/a/link/", "/a/target"), ["/a/target/", "link"]);
  assert.deepEqual(getRebaseName("/a/link/.", "/a/target"), ["/a/target/.", ""]);
  assert.deepEqual(getRebaseName("/a/same", "/b/same"), ["/b/same", ""]);
});

const info = (path: string, exists: boolean, isDir: boolean, rebase = "") => ({ path, exists, isDir, rebaseName: rebase });

test("prepareArchiveCopy covers docker's cases", () => {
  // existing directory destination: extract as is
  assert.deepEqual(prepareArchiveCopy(info("/src/f", true, false), info("/dst", true, true)), { dstDir: "/dst" });
  // directory onto an existing file
  assert.throws(() => prepareArchiveCopy(info("/src/d", true, true), info("/dst/f", true, false)), (e: unknown) => e instanceof CopyError && e.message === "cannot copy directory");
  // file onto an existing file: renamed to the destination's name
  assert.deepEqual(prepareArchiveCopy(info("/src/f", true, false), info("/dst/g", true, false)), { dstDir: "/dst", rebase: { from: "f", to: "g" } });
  // directory to a new path: extracted into the parent under the new name
  assert.deepEqual(prepareArchiveCopy(info("/src/d", true, true), info("/dst/new", false, false)), { dstDir: "/dst", rebase: { from: "d", to: "new" } });
  // directory contents (/.) to a new path
  assert.deepEqual(prepareArchiveCopy(info("/src/d/.", true, true), info("/dst/new", false, false)), { dstDir: "/dst", rebase: { from: ".", to: "new" } });
  // a file to a path asserted to be a directory that does not exist
  assert.throws(() => prepareArchiveCopy(info("/src/f", true, false), info("/dst/new/", false, false)), { message: "no such directory" });
  // a file to a new path: renamed
  assert.deepEqual(prepareArchiveCopy(info("/src/f", true, false), info("/dst/new", false, false)), { dstDir: "/dst", rebase: { from: "f", to: "new" } });
  // symlink rebase name wins over the source base
  assert.deepEqual(prepareArchiveCopy(info("/src/target", true, false, "link"), info("/dst/g", true, false)), { dstDir: "/dst", rebase: { from: "link", to: "g" } });
});

test("rebaseName replaces the first occurrence", () => {
  assert.equal(rebaseName("d/x/d", "d", "new"), "new/x/d");
  assert.equal(rebaseName("./x", ".", "new"), "new/x");
  assert.equal(rebaseName(".", ".", "new"), "new");
  assert.equal(rebaseName("x", "/", "new"), "newx");
});

test("Go FileMode bits above 2^31", () => {
  assert.equal(modeHas(2147484141, MODE_DIR), true);
  assert.equal(modeHas(0o644, MODE_DIR), false);
  assert.equal(modeHas(134218239, MODE_SYMLINK), true);
});
