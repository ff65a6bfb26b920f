import { test } from "node:test";
import assert from "node:assert/strict";
import { ctx, makeEnv, busyboxTar, fileStream, tmp, blobs } from "./images-env.js";

test("a crash mid-load (lease left, blob and snapshot written, no image) is cleaned by recover()", async (t) => {
  let env = makeEnv();
  const fx = tmp();
  t.after(async () => {
    await env.close();
    fx.cleanup();
  });
  const keep = await env.images.import(fileStream(busyboxTar(fx.dir)), { repo: "keep", changes: [] }, () => undefined, ctx);
  const before = await blobs(env);
  const snapsBefore = (await env.snapshotter.list()).map((s: { key: string }) => s.key).sort();

  // Simulate what a load had done when the daemon was killed: a lease, a committed blob, an
  // unpacked committed layer and an extract-* leftover — but no image row.
  const lease = env.images.leases.create({ op: "load" });
  const blob = await env.content.writeBytes("orphan layer bytes");
  env.images.leases.add(lease, "content", blob.digest);
  const chain = "sha256:" + "e".repeat(64);
  const target = await env.snapshotter.prepareApply("extract-crash1", undefined);
  void target;
  await env.snapshotter.commit(chain, "extract-crash1");
  env.images.leases.add(lease, "snapshot", chain);
  await env.snapshotter.prepareApply("extract-crash2", chain);
  env.images.leases.add(lease, "snapshot", "extract-crash2");

  // gc() while the lease is alive keeps everything.
  await env.images.gc();
  assert.ok((await blobs(env)).includes(blob.digest));

  // "Restart": reopen the data root and recover.
  env = env.reopen();
  await env.images.recover();
  assert.deepEqual(await blobs(env), before);
  assert.deepEqual((await env.snapshotter.list()).map((s: { key: string }) => s.key).sort(), snapsBefore);
  assert.equal((await env.images.inspect("keep", ctx)).Id, keep);
  assert.deepEqual(env.images.leases.list(), []);
});
