import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { packTar } from "../../archive/tar-writer.js";
import { parseContextManifest } from "../../util/build-context-manifest.js";
import { contextEntries, type ContextEntry } from "../commands/build-context.js";
import { DigestCache } from "./digest-cache.js";
import { DaemonError, type EngineClient } from "../../client/engine-client.js";
import { contextUpload, manifestOf, tarSize } from "./context-upload.js";

const sha = (b: string): string => createHash("sha256").update(b).digest("hex");

async function length(entries: Iterable<ContextEntry>): Promise<number> {
  let n = 0;
  for await (const c of packTar(entries)) n += (c as Buffer).length;
  return n;
}

test("a context's manifest: files with digests, hard links as files, symlinks; the daemon's parser accepts it", async (t) => {
  const dir = mkdtempSync("/tmp/berth-ctx-upload-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "sub"));
  writeFileSync(path.join(dir, "sub", "a"), "aaa");
  linkSync(path.join(dir, "sub", "a"), path.join(dir, "sub", "b"));
  writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
  symlinkSync("/etc/passwd", path.join(dir, "out"));
  const list = [...contextEntries(dir, undefined)];
  const m = manifestOf(list, DigestCache.open(dir, undefined));
  assert.ok(m);
  const parsed = parseContextManifest(JSON.parse(JSON.stringify(m.manifest)));
  assert.deepEqual(
    parsed.entries.map((e) => [e.path, e.type, e.digest ?? e.linkname ?? ""]),
    [
      ["Dockerfile", "file", sha("FROM scratch\n")],
      ["out", "symlink", "/etc/passwd"],
      ["sub", "dir", ""],
      ["sub/a", "file", sha("aaa")],
      ["sub/b", "file", sha("aaa")],
    ],
  );
  assert.equal(m.sources.get(sha("aaa"))?.name, "sub/a");
  // tarSize is packTar's length, without reading the files
  assert.equal(tarSize(list), await length(list));
  const long = [{ name: "x".repeat(150), type: "file" as const, source: Buffer.from("hi") }];
  assert.equal(tarSize(long), await length(long));
});

test("entries a manifest cannot describe (FIFOs, devices) give no manifest: the full tar goes", () => {
  const m = manifestOf([{ name: "p", type: "fifo", mode: 0o644, mtime: 1 }], DigestCache.open("/x", undefined));
  assert.equal(m, undefined);
});

test("a daemon without the endpoint (404) gets the full tar; one with it gets only what it lacks", async (t) => {
  const dir = mkdtempSync("/tmp/berth-ctx-upload-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
  writeFileSync(path.join(dir, "a"), "aaa");
  const env = { XDG_CACHE_HOME: path.join(dir, ".cache-unused") };
  const full = await length(contextEntries(dir, undefined));
  const sent: string[] = [];
  const old = { json: async (_m: string, p: string) => {
    sent.push(p);
    throw new DaemonError("page not found", 404);
  } } as unknown as EngineClient;
  let up = await contextUpload(old, contextEntries(dir, undefined), dir, env);
  assert.deepEqual(sent, ["/berth/build-context/check"]);
  assert.deepEqual(up.headers, {});
  assert.equal(up.skipped, 0);
  let m = 0;
  for await (const c of up.body) m += (c as Buffer).length;
  assert.equal(m, full);

  const fresh = { json: async () => ({ Id: "abc", Missing: [sha("aaa")] }) } as unknown as EngineClient;
  up = await contextUpload(fresh, contextEntries(dir, undefined), dir, env);
  assert.deepEqual(up.headers, { "x-berth-context": "abc" });
  let n = 0;
  for await (const c of up.body) n += (c as Buffer).length;
  assert.equal(n, 512 + 512 + 1024, "one 3-byte file named by its digest");
  assert.equal(up.skipped + n, full);

  // BERTH_BUILD_CONTEXT=full never asks
  sent.length = 0;
  up = await contextUpload(old, contextEntries(dir, undefined), dir, { ...env, BERTH_BUILD_CONTEXT: "full" });
  assert.deepEqual(sent, []);
});
