import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { packTar, type TarWriteEntry } from "../../archive/tar-writer.js";
import { ContextStore } from "./context-store.js";
import { parseContextManifest, type ContextManifest } from "../../util/build-context-manifest.js";

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

async function collect(entries: TarWriteEntry[]): Promise<AsyncIterable<Buffer>> {
  const out: Buffer[] = [];
  for await (const c of packTar(entries)) out.push(c as Buffer);
  return (async function* () {
    yield* out;
  })();
}

function setup(t: { after(fn: () => void): void }, opts: { maxBytes?: number } = {}): { store: ContextStore; tmp: string } {
  const tmp = mkdtempSync("/tmp/berth-ctxstore-");
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  return { store: new ContextStore(path.join(tmp, "store"), opts), tmp };
}

const A = Buffer.from("alpha\n");
const B = Buffer.from("bravo bravo\n");

function manifest(extra: unknown[] = []): ContextManifest {
  return parseContextManifest({
    version: 1,
    entries: [
      { path: "Dockerfile", type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 1000, size: B.length, digest: sha(B) },
      { path: "d", type: "dir", mode: 0o750, uid: 0, gid: 0, mtime: 2000 },
      { path: "d/a", type: "file", mode: 0o755, uid: 0, gid: 0, mtime: 3000, size: A.length, digest: sha(A) },
      { path: "d/a2", type: "file", mode: 0o600, uid: 0, gid: 0, mtime: 4000, size: A.length, digest: sha(A) },
      { path: "l", type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime: 5000, linkname: "../outside" },
      ...extra,
    ],
  });
}

test("check → missing digests; receive verifies; assemble links files with their metadata", async (t) => {
  const { store, tmp } = setup(t);
  const m = manifest();
  const c1 = store.check(m);
  assert.deepEqual(new Set(c1.Missing), new Set([sha(A), sha(B)]));
  const p = store.take(c1.Id);
  assert.ok(p);
  await store.receive(p, await collect([{ name: sha(A), type: "file", source: A }, { name: sha(B), type: "file", source: B }]));
  assert.equal(p.received, A.length + B.length);
  const dest = path.join(tmp, "ctx");
  mkdirSync(dest);
  const seen = new Map<string, string>();
  store.assemble(p, dest, (h, d) => seen.set(path.relative(dest, h), d.toString("hex")));
  store.release(c1.Id);
  assert.equal(readFileSync(path.join(dest, "d/a"), "utf8"), "alpha\n");
  assert.equal(statSync(path.join(dest, "d/a")).mode & 0o7777, 0o755);
  assert.equal(statSync(path.join(dest, "d/a2")).mode & 0o7777, 0o600);
  assert.equal(statSync(path.join(dest, "d/a")).mtimeMs, 3000_000);
  assert.equal(statSync(path.join(dest, "d")).mode & 0o7777, 0o750);
  assert.equal(statSync(path.join(dest, "d")).mtimeMs, 2000_000);
  assert.equal(readlinkSync(path.join(dest, "l")), "../outside");
  assert.equal(lstatSync(path.join(dest, "l")).mtimeMs, 5000_000);
  assert.deepEqual(Object.fromEntries(seen), { Dockerfile: sha(B), "d/a": sha(A), "d/a2": sha(A) });
  // hard-linked to the store (no copy), each variant its own inode
  assert.ok(statSync(path.join(dest, "d/a")).nlink >= 2);
  assert.notEqual(statSync(path.join(dest, "d/a")).ino, statSync(path.join(dest, "d/a2")).ino);
  assert.equal(statSync(store.root).mode & 0o777, 0o700);

  // a second check needs nothing; an unknown id is not pending
  const c2 = store.check(m);
  assert.deepEqual(c2.Missing, []);
  assert.equal(store.take("nope"), undefined);
  assert.deepEqual(store.usage(), { objects: 2, bytes: A.length * 2 + B.length });
  const du = store.diskUsage();
  assert.equal(du.length, 1);
  assert.equal(du[0]?.Size, A.length * 2 + B.length);
});

test("a content not matching its digest, an unexpected name or a missing content is refused", async (t) => {
  const { store } = setup(t);
  const m = manifest();
  let p = store.take(store.check(m).Id);
  assert.ok(p);
  const wrong = Buffer.from("alphx\n");
  await assert.rejects(store.receive(p, await collect([{ name: sha(A), type: "file", source: wrong }])), /does not match its digest/);
  assert.equal(store.has(sha(A)), false);
  p = store.take(store.check(m).Id);
  assert.ok(p);
  await assert.rejects(store.receive(p, await collect([{ name: sha("other"), type: "file", source: Buffer.from("other") }])), /unexpected file/);
  p = store.take(store.check(m).Id);
  assert.ok(p);
  await assert.rejects(store.receive(p, await collect([{ name: sha(A), type: "file", source: A }])), /was not sent/);
  p = store.take(store.check(m).Id);
  assert.ok(p);
  await assert.rejects(store.receive(p, await collect([{ name: sha(A), type: "symlink", linkname: "/etc/passwd" }])), /unexpected symlink/);
  assert.equal(readdirSync(path.join(store.root, "tmp")).length, 0);
});

test("prune empties the store but keeps pinned contents; the size bound drops old objects", async (t) => {
  const { store } = setup(t, { maxBytes: 8 });
  const m = manifest();
  const c = store.check(m);
  const p = store.take(c.Id);
  assert.ok(p);
  await store.receive(p, await collect([{ name: sha(A), type: "file", source: A }, { name: sha(B), type: "file", source: B }]));
  assert.equal(store.prune().objects, 0); // pinned while pending
  store.release(c.Id);
  store.enforceLimit();
  assert.ok(store.usage().bytes <= 8);
  const r = store.prune();
  assert.equal(store.usage().objects, 0);
  assert.ok(r.objects >= 0);
});
