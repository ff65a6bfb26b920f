/**
 * One conformance suite for every ContentStore (local-content-store.test.ts runs it). The factory
 * gives a fresh, empty store and a cleanup. Store-specific checks (on-disk layout, a crash of a real
 * process) live in each store's own test file.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { DigestMismatchError, isInvalidArgument, isNotFound } from "../errdefs/index.js";
import { Digester, digestOf } from "../oci/index.js";
import type { ContentStore } from "./content-store.js";

export interface ContentStoreFixture {
  store: ContentStore;
  cleanup(): Promise<void>;
}

async function readAll(src: AsyncIterable<unknown>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function listed(cs: ContentStore): Promise<string[]> {
  const out: string[] = [];
  for await (const b of cs.list()) out.push(b.digest);
  return out;
}

export function contentStoreSuite(label: string, factory: () => Promise<ContentStoreFixture>): void {
  const it = (name: string, fn: (cs: ContentStore) => Promise<void>): void => {
    test(`${label}: ${name}`, async () => {
      const f = await factory();
      try {
        await fn(f.store);
      } finally {
        await f.cleanup();
      }
    });
  };

  it("a committed blob is visible, readable, ranged and listed", async (cs) => {
    const data = Buffer.from("hello blob");
    const info = await cs.writeBytes(data, { expected: digestOf(data) });
    assert.deepEqual(info, { digest: digestOf(data), size: data.length });
    assert.equal(await cs.has(info.digest), true);
    assert.deepEqual(await cs.info(info.digest), info);
    assert.deepEqual(await cs.readBytes(info.digest), data);
    assert.deepEqual(await readAll(await cs.reader(info.digest)), data);
    assert.equal((await readAll(await cs.reader(info.digest, { start: 6 }))).toString(), "blob");
    assert.deepEqual(await listed(cs), [info.digest]);
    assert.equal(await cs.usage(), data.length);
  });

  it("bytes stay invisible until commit", async (cs) => {
    const w = await cs.writer();
    await w.write(Buffer.from("part one, "));
    await w.write(Buffer.from("part two"));
    const d = digestOf("part one, part two");
    assert.equal(w.size, 18);
    assert.equal(await cs.has(d), false);
    assert.deepEqual(await listed(cs), []);
    assert.deepEqual(await w.commit({ expected: d, expectedSize: 18 }), { digest: d, size: 18 });
    assert.equal((await cs.readBytes(d)).toString(), "part one, part two");
  });

  it("a digest mismatch throws DigestMismatchError and stores nothing", async (cs) => {
    const wrong = digestOf("something else");
    await assert.rejects(cs.writeBytes("actual bytes", { expected: wrong }), (e) => e instanceof DigestMismatchError);
    await assert.rejects(cs.writeStream([Buffer.from("abc")], { expectedSize: 4 }), (e) => isInvalidArgument(e));
    const w = await cs.writer();
    await w.write(Buffer.from("x"));
    await assert.rejects(w.commit({ expected: wrong }), (e) => e instanceof DigestMismatchError);
    assert.equal(await cs.has(wrong), false);
    assert.equal(await cs.has(digestOf("actual bytes")), false);
    assert.deepEqual(await listed(cs), []);
  });

  it("abort discards, and an abandoned writer leaves nothing visible after sweep", async (cs) => {
    const a = await cs.writer();
    await a.write(Buffer.from("aborted"));
    await a.abort();
    const b = await cs.writer();
    await b.write(Buffer.alloc(1 << 20, 7)); // never committed: a crash
    await cs.sweep();
    assert.equal(await cs.has(digestOf("aborted")), false);
    assert.equal(await cs.has(digestOf(Buffer.alloc(1 << 20, 7))), false);
    assert.deepEqual(await listed(cs), []);
    await b.abort(); // a writer whose ingest was swept can still be closed
  });

  it("committing the same content again, or concurrently, is fine", async (cs) => {
    const data = randomBytes(300_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => cs.writeBytes(data, { expected: digestOf(data) })));
    for (const r of results) assert.deepEqual(r, { digest: digestOf(data), size: data.length });
    await cs.writeBytes(data);
    assert.deepEqual(await listed(cs), [digestOf(data)]);
    assert.deepEqual(await cs.readBytes(digestOf(data)), data);
  });

  it("a stream of mixed chunk sizes is stored exactly", async (cs) => {
    const d = new Digester();
    const parts: Buffer[] = [];
    const sizes = [1, 7, 65536, 3, 5 << 20, 100_000, 1, 9 << 20, 12345];
    for (const n of sizes) parts.push(randomBytes(n));
    async function* gen(): AsyncIterable<Uint8Array> {
      for (const p of parts) {
        d.update(p);
        yield p;
      }
    }
    const all = Buffer.concat(parts);
    const info = await cs.writeStream(gen(), { expected: digestOf(all), expectedSize: all.length });
    assert.equal(info.size, all.length);
    assert.equal(d.digest(), info.digest);
    assert.equal(digestOf(await readAll(await cs.reader(info.digest))), info.digest);
  });

  it("a caller may reuse its buffer once write() resolves", async (cs) => {
    const w = await cs.writer();
    const buf = Buffer.from("first");
    await w.write(buf);
    buf.write("XXXXX");
    await w.write(Buffer.from("-second"));
    const info = await w.commit();
    assert.equal((await cs.readBytes(info.digest)).toString(), "first-second");
  });

  it("a failing or aborted source stores nothing", async (cs) => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Buffer.from("some bytes");
      throw new Error("source broke");
    }
    await assert.rejects(cs.writeStream(failing()), /source broke/);
    const ac = new AbortController();
    async function* slow(): AsyncIterable<Uint8Array> {
      yield Buffer.from("some bytes");
      ac.abort();
      yield Buffer.from("more");
    }
    await assert.rejects(cs.writeStream(slow(), { signal: ac.signal }), (e) => (e as Error).name === "AbortError");
    assert.equal(await cs.has(digestOf("some bytes")), false);
    assert.deepEqual(await listed(cs), []);
  });

  it("delete removes; missing blobs are not-found", async (cs) => {
    const info = await cs.writeBytes("x");
    await cs.delete(info.digest);
    assert.equal(await cs.has(info.digest), false);
    await assert.rejects(cs.delete(info.digest), (e) => isNotFound(e));
    await assert.rejects(cs.info(info.digest), (e) => isNotFound(e));
    await assert.rejects(cs.readBytes(info.digest), (e) => isNotFound(e));
    await assert.rejects(cs.reader(info.digest), (e) => isNotFound(e));
  });

  it("malformed digests are invalid arguments, never paths", async (cs) => {
    for (const bad of ["sha256:../../etc/passwd", "md5:abc", "sha256:" + "A".repeat(64), "../x", ""]) {
      await assert.rejects(cs.info(bad), (e) => isInvalidArgument(e), bad);
      await assert.rejects(cs.has(bad), (e) => isInvalidArgument(e), bad);
      await assert.rejects(cs.delete(bad), (e) => isInvalidArgument(e), bad);
      await assert.rejects(cs.reader(bad), (e) => isInvalidArgument(e), bad);
      assert.throws(() => cs.blobPath(bad), (e) => isInvalidArgument(e), bad);
      await assert.rejects(cs.writeBytes("y", { expected: bad }), (e) => isInvalidArgument(e), bad);
    }
    assert.deepEqual(await listed(cs), []);
  });
}
