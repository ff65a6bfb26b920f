import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { isInvalidArgument, isNotFound } from "../errdefs/index.js";
import { digestOf } from "../oci/index.js";
import { LocalContentStore } from "./local-content-store.js";

function store(t: { after(fn: () => void): void }): { cs: LocalContentStore; root: string } {
  const root = mkdtempSync(path.join(tmpdir(), "berth-content-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { cs: new LocalContentStore(root), root };
}

test("a verified blob becomes visible, readable and listed", async (t) => {
  const { cs } = store(t);
  const data = Buffer.from("hello blob");
  const info = await cs.writeBytes(data, { expected: digestOf(data) });
  assert.deepEqual(info, { digest: digestOf(data), size: data.length });
  assert.equal(await cs.has(info.digest), true);
  assert.deepEqual(await cs.readBytes(info.digest), data);
  const chunks: Buffer[] = [];
  for await (const c of await cs.reader(info.digest, { start: 6 })) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), "blob");
  const all: string[] = [];
  for await (const b of cs.list()) all.push(b.digest);
  assert.deepEqual(all, [info.digest]);
  assert.equal(await cs.usage(), data.length);
  // Writing the same content again is fine.
  await cs.writeBytes(data);
});

test("a digest or size mismatch stores nothing", async (t) => {
  const { cs, root } = store(t);
  const wrong = digestOf("something else");
  await assert.rejects(cs.writeBytes("actual bytes", { expected: wrong }), (e) => isInvalidArgument(e));
  await assert.rejects(cs.writeStream([Buffer.from("abc")], { expectedSize: 4 }), (e) => isInvalidArgument(e));
  assert.equal(await cs.has(wrong), false);
  assert.deepEqual(readdirSync(path.join(root, "ingest")), []);
  assert.deepEqual(readdirSync(path.join(root, "blobs", "sha256")), []);
});

test("an abandoned ingest is invisible and swept", async (t) => {
  const { cs, root } = store(t);
  const w = await cs.writer();
  await w.write(Buffer.alloc(1 << 20, 1));
  const d = digestOf(Buffer.alloc(1 << 20, 1));
  assert.equal(await cs.has(d), false); // not committed: not visible
  assert.equal(readdirSync(path.join(root, "ingest")).length, 1);
  await cs.sweep(); // as the daemon does at start after a crash
  assert.deepEqual(readdirSync(path.join(root, "ingest")), []);
});

test("bad digests are refused and missing blobs are not-found", async (t) => {
  const { cs } = store(t);
  await assert.rejects(cs.info("sha256:../../etc/passwd"), (e) => isInvalidArgument(e));
  assert.throws(() => cs.blobPath("md5:abc"), (e) => isInvalidArgument(e));
  const missing = digestOf("missing");
  await assert.rejects(cs.info(missing), (e) => isNotFound(e));
  await assert.rejects(cs.delete(missing), (e) => isNotFound(e));
  const info = await cs.writeBytes("x");
  await cs.delete(info.digest);
  assert.equal(existsSync(cs.blobPath(info.digest)), false);
});
