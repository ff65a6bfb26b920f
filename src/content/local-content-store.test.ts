import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { digestOf } from "../oci/index.js";
import { LocalContentStore } from "./local-content-store.js";
import { contentStoreSuite } from "./testsuite.js";

function tempRoot(): string {
  return mkdtempSync(path.join(tmpdir(), "berth-content-"));
}

contentStoreSuite("local", async () => {
  const root = tempRoot();
  return { store: new LocalContentStore(root), cleanup: async () => rmSync(root, { recursive: true, force: true }) };
});

test("local: blobs live at blobs/sha256/<hex>; failed and finished ingests leave ingest/ empty", async (t) => {
  const root = tempRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const cs = new LocalContentStore(root);
  const info = await cs.writeBytes("layout");
  assert.equal(cs.blobPath(info.digest), path.join(root, "blobs", "sha256", info.digest.slice(7)));
  assert.equal(statSync(cs.blobPath(info.digest)).size, 6);
  await assert.rejects(cs.writeBytes("bad", { expected: digestOf("other") }));
  assert.deepEqual(readdirSync(path.join(root, "ingest")), []);
  assert.deepEqual(readdirSync(path.join(root, "blobs", "sha256")), [info.digest.slice(7)]);
});

test("local: a writer process killed mid-ingest leaves nothing visible, and sweep removes its bytes", async (t) => {
  const root = tempRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const mod = new URL("./local-content-store.js", import.meta.url).href;
  const script = `
    import { LocalContentStore } from ${JSON.stringify(mod)};
    const cs = new LocalContentStore(${JSON.stringify(root)});
    await cs.writeBytes("committed before the crash");
    const w = await cs.writer();
    await w.write(Buffer.alloc(8 << 20, 1));
    await w.write(Buffer.alloc(1000, 2));
    process.stdout.write("ready\\n");
    setInterval(() => void w.size, 1000); // keeps the writer (and its fd) alive until the kill`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => (b.toString().includes("ready") ? resolve() : undefined));
    child.on("exit", (code) => reject(new Error(`writer exited early (${code})`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));

  const ingests = readdirSync(path.join(root, "ingest"));
  assert.equal(ingests.length, 1, "the killed ingest is still on disk");
  assert.ok(statSync(path.join(root, "ingest", ingests[0] ?? "", "data")).size >= 8 << 20);
  const cs = new LocalContentStore(root); // as berthd after a restart
  const half = digestOf(Buffer.alloc(8 << 20, 1));
  assert.equal(await cs.has(half), false);
  const blobs: string[] = [];
  for await (const b of cs.list()) blobs.push(b.digest);
  assert.deepEqual(blobs, [digestOf("committed before the crash")]);
  await cs.sweep();
  assert.deepEqual(readdirSync(path.join(root, "ingest")), []);
  assert.equal(existsSync(cs.blobPath(digestOf("committed before the crash"))), true);
});

test("local: a 128 MiB stream of 64 KiB chunks is written in large writes", async (t) => {
  const root = tempRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const cs = new LocalContentStore(root);
  const chunk = Buffer.alloc(64 << 10, 0x5a);
  const n = 2048;
  async function* gen(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < n; i++) yield chunk;
  }
  const started = performance.now();
  const info = await cs.writeStream(gen(), { expectedSize: n * chunk.length });
  const secs = (performance.now() - started) / 1000;
  assert.equal(info.size, 128 << 20);
  t.diagnostic(`128 MiB in ${secs.toFixed(2)} s (${(128 / secs).toFixed(0)} MiB/s)`);
  assert.ok(secs < 20, `took ${secs} s`);
});

test("local: owned writes (one in flight) and staged writes interleave into the right bytes and digest", async (t) => {
  const root = tempRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const cs = new LocalContentStore(root);
  const pieces: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    // big owned pieces (past the 4 MiB writeback step in total), small ones staged in between
    const b = Buffer.alloc(i % 3 === 0 ? 100 : 300_000 + i, i);
    pieces.push(b);
  }
  const w = await cs.writer();
  for (const [i, b] of pieces.entries()) await w.write(b, { owned: i % 2 === 0 });
  const info = await w.commit();
  const all = Buffer.concat(pieces);
  assert.equal(info.digest, digestOf(all));
  assert.equal(info.size, all.length);
  assert.ok(readFileSync(cs.blobPath(info.digest)).equals(all));
  // a failed owned write surfaces at the next call, and nothing becomes visible
  const w2 = await cs.writer();
  await w2.write(Buffer.alloc(100_000, 1), { owned: true });
  await (w2 as unknown as { fh: { close(): Promise<void> } }).fh.close();
  await assert.rejects(w2.write(Buffer.alloc(100_000, 2), { owned: true }).then(() => w2.commit()));
  await w2.abort();
  assert.deepEqual(readdirSync(path.join(root, "ingest")), []);
});
