import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { packTar } from "../../archive/tar-writer.js";
import { walkTar } from "../../archive/tar-reader.js";
import { readAll } from "../../client/engine-client.js";
import { copyInfoDestinationPath, copyInfoSourcePath, counter, decodeStat, rebaseArchive } from "./cp.js";

async function sampleTar(): Promise<Buffer> {
  return readAll(packTar([
    { name: "d/", type: "dir", mode: 0o755 },
    { name: "d/f", type: "file", mode: 0o644, source: Buffer.from("x".repeat(700)) },
    { name: "d/l", type: "symlink", linkname: "f" },
    { name: "d/h", type: "hardlink", linkname: "d/f" },
  ]));
}

test("rebaseArchive renames the top-level entry and hardlink targets", async () => {
  const out = rebaseArchive(Readable.from([await sampleTar()]), "d", "new");
  const got: string[] = [];
  for await (const e of walkTar(out)) {
    got.push(`${e.type} ${e.name} ${e.linkname}`);
    if (e.type === "file") assert.equal((await e.readAll()).length, 700);
  }
  assert.deepEqual(got, ["dir new/ ", "file new/f ", "symlink new/l f", "hardlink new/h new/f"]);
});

test("counter: raw counts everything, tar-aware stops at the end-of-archive marker", async () => {
  const tar = await sampleTar();
  const padded = Buffer.concat([tar, Buffer.alloc(4096)]);
  for (const [aware, want] of [[false, padded.length], [true, tar.length]] as const) {
    const total = { n: 0 };
    const c = counter(total, aware);
    const chunks = [padded.subarray(0, 100), padded.subarray(100, 1500), padded.subarray(1500)];
    await readAll(Readable.from(chunks).pipe(c));
    assert.equal(total.n, want);
  }
});

test("copyInfoDestinationPath follows symlinks and needs an existing parent", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cp-dst-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "d"));
  writeFileSync(join(dir, "f"), "");
  symlinkSync("d", join(dir, "ld"));
  symlinkSync("missing", join(dir, "dangling"));
  assert.deepEqual(copyInfoDestinationPath(join(dir, "d")), { path: join(dir, "d"), exists: true, isDir: true, rebaseName: "" });
  assert.deepEqual(copyInfoDestinationPath(join(dir, "ld")), { path: join(dir, "d"), exists: true, isDir: true, rebaseName: "" });
  assert.deepEqual(copyInfoDestinationPath(join(dir, "dangling")), { path: join(dir, "missing"), exists: false, isDir: false, rebaseName: "" });
  assert.deepEqual(copyInfoDestinationPath(join(dir, "new")), { path: join(dir, "new"), exists: false, isDir: false, rebaseName: "" });
  assert.throws(() => copyInfoDestinationPath(join(dir, "no", "x")), { message: `stat ${join(dir, "no")}: no such file or directory` });
  assert.throws(() => copyInfoDestinationPath(join(dir, "f", "x")), { message: `lstat ${join(dir, "f", "x")}: not a directory` });
});

test("copyInfoSourcePath: parent symlinks resolved, -L and trailing / rebase", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cp-src-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "d"));
  writeFileSync(join(dir, "f"), "");
  symlinkSync("d", join(dir, "ld"));
  assert.deepEqual(copyInfoSourcePath(join(dir, "ld"), false), { path: join(dir, "ld"), exists: true, isDir: false, rebaseName: "" });
  assert.deepEqual(copyInfoSourcePath(join(dir, "ld"), true), { path: join(dir, "d"), exists: true, isDir: true, rebaseName: "ld" });
  assert.deepEqual(copyInfoSourcePath(`${join(dir, "ld")}/`, false), { path: `${join(dir, "d")}/`, exists: true, isDir: true, rebaseName: "ld" });
  assert.throws(() => copyInfoSourcePath(`${join(dir, "f")}/`, false), { message: "not a directory" });
  assert.throws(() => copyInfoSourcePath(join(dir, "nope", "x"), false), { message: `lstat ${join(dir, "nope")}: no such file or directory` });
  assert.throws(() => copyInfoSourcePath(join(dir, "nope"), false), { message: `lstat ${join(dir, "nope")}: no such file or directory` });
});

test("decodeStat reads the base64 X-Docker-Container-Path-Stat header", () => {
  const st = { name: "etc", size: 4096, mode: 2147484141, mtime: "2024-01-01T00:00:00Z", linkTarget: "" };
  assert.deepEqual(decodeStat({ headers: { "x-docker-container-path-stat": Buffer.from(JSON.stringify(st)).toString("base64") } }), st);
  assert.equal(decodeStat({ headers: {} }), undefined);
});
