import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { DigestCache, digestCacheDir, hashFile } from "./digest-cache.js";

const sha = (b: string): string => createHash("sha256").update(b).digest("hex");

test("digests are cached by (dev, ino, size, mtime, ctime); a change is seen; recent files are not cached", (t) => {
  const tmp = mkdtempSync("/tmp/berth-digest-cache-");
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const cacheDir = path.join(tmp, "cache");
  const f = path.join(tmp, "f");
  writeFileSync(f, "one");
  // an old mtime is not enough: ctime is now, so the first digest is not cached (racy)
  utimesSync(f, 1000, 1000);
  let c = DigestCache.open(tmp, cacheDir);
  assert.equal(c.digest(f, lstatSync(f, { bigint: true })), sha("one"));
  c.save();
  assert.equal(existsSync(cacheDir) ? readdirSync(cacheDir).length : 0, 0);

  // with a stat 3 s old, the entry is kept; a forged cache value proves it is used
  const st = lstatSync(f, { bigint: true });
  const old = { ...st, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs - 3_000_000_000n, dev: st.dev, ino: st.ino, size: st.size } as typeof st;
  c = DigestCache.open(tmp, cacheDir);
  assert.equal(c.digest(f, old), sha("one"));
  c.save();
  const [name] = readdirSync(cacheDir);
  assert.ok(name);
  const file = path.join(cacheDir, name);
  const data = JSON.parse(readFileSync(file, "utf8")) as { files: Record<string, string[]> };
  const key = Object.keys(data.files)[0] as string;
  (data.files[key] as string[])[3] = "f".repeat(64);
  writeFileSync(file, JSON.stringify(data));
  c = DigestCache.open(tmp, cacheDir);
  assert.equal(c.digest(f, old), "f".repeat(64));
  // another ctime (a write or chmod) misses the entry and hashes again
  assert.equal(c.digest(f, { ...old, ctimeNs: old.ctimeNs + 1n } as typeof st), sha("one"));
});

test("hashFile, and the cache directory from XDG_CACHE_HOME or HOME", (t) => {
  const tmp = mkdtempSync("/tmp/berth-digest-cache-");
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const f = path.join(tmp, "big");
  const body = "x".repeat(3 * 1024 * 1024 + 5);
  writeFileSync(f, body);
  assert.equal(hashFile(f), sha(body));
  assert.equal(digestCacheDir({ XDG_CACHE_HOME: "/c" }), "/c/berth/context-digests");
  assert.equal(digestCacheDir({ XDG_CACHE_HOME: "rel", HOME: "/h" }), "/h/.cache/berth/context-digests");
});
