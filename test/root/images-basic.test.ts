import { test } from "node:test";
import assert from "node:assert/strict";
import { writeImage } from "../../src/builder/image-writer.js";
import { ctx, makeEnv, busyboxTar, fileStream, tmp, blobs } from "./images-env.js";

/** A fresh image env and fixture dir, both removed after the test. */
function setup(t: { after(fn: () => Promise<void>): void }): { env: ReturnType<typeof makeEnv>; fx: ReturnType<typeof tmp> } {
  const env = makeEnv();
  const fx = tmp();
  t.after(async () => {
    await env.close();
    fx.cleanup();
  });
  return { env, fx };
}

test("import, inspect, list, history, tag, rmi", async (t) => {
  const { env, fx } = setup(t);
  const tar = busyboxTar(fx.dir);
  const progress: unknown[] = [];
  const id = await env.images.import(
    fileStream(tar),
    { repo: "busybox", tag: "1", changes: ['CMD ["sh"]', "ENV A=1", "LABEL l=v"], message: "imported" },
    (m) => progress.push(m),
    ctx,
  );
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  assert.deepEqual(progress, [{ status: id }]);
  assert.deepEqual(
    env.events.map((e) => e.action),
    ["import", "tag"],
  );
  assert.equal(env.events[1]?.attributes.name, "busybox:1");
  assert.equal(env.events[1]?.attributes.l, "v");

  const ins = await env.images.inspect("busybox:1", ctx);
  assert.equal(ins.Id, id);
  assert.deepEqual(ins.RepoTags, ["busybox:1"]);
  assert.deepEqual(ins.Config.Cmd, ["sh"]);
  assert.deepEqual(ins.Config.Env, ["A=1"]);
  assert.equal(ins.Comment, "imported");
  assert.equal(ins.GraphDriver.Name, "overlay2");
  assert.equal(ins.RootFS.Layers.length, 1);
  assert.ok(ins.Size >= 1_900_000, `size ${ins.Size}`);
  assert.equal(ins.VirtualSize, undefined, "no VirtualSize at 1.44");
  assert.equal((await env.images.inspect("busybox:1", { ...ctx, apiVersion: "1.41" })).VirtualSize, ins.Size);
  // Lookups: short id, sha256: prefix, full id.
  for (const r of [id.slice(7, 19), id.slice(0, 12), id, id.slice(7), id.slice(7, 8)])
    assert.equal((await env.images.inspect(r, ctx)).Id, id, r);
  await assert.rejects(env.images.inspect("busybox", ctx), { message: "No such image: busybox:latest" });
  await assert.rejects(env.images.inspect("Busybox", ctx), /must be lowercase/);

  const hist = await env.images.history(id, ctx);
  assert.equal(hist.length, 1);
  assert.equal(hist[0]?.Id, id);
  assert.deepEqual(hist[0]?.Tags, ["busybox:1"]);
  assert.equal(hist[0]?.Comment, "imported");
  assert.equal(hist[0]?.Size, ins.Size);

  // Tag into another repo; list with filters.
  await env.images.tag(id, "localhost:5000/x", "y", ctx);
  await env.images.tag("busybox:1", "busybox", undefined, ctx);
  let list = await env.images.list({ all: false, filters: {}, digests: false, sharedSize: false }, ctx);
  assert.equal(list.length, 1);
  assert.deepEqual(list[0]?.RepoTags.sort(), ["busybox:1", "busybox:latest", "localhost:5000/x:y"]);
  assert.equal(list[0]?.Containers, -1);
  assert.equal(list[0]?.SharedSize, -1);
  list = await env.images.list({ all: false, filters: { reference: ["busybox"] }, digests: false, sharedSize: false }, ctx);
  assert.deepEqual(list[0]?.RepoTags.sort(), ["busybox:1", "busybox:latest"]);
  list = await env.images.list({ all: false, filters: { label: ["l=v"] }, digests: false, sharedSize: false }, ctx);
  assert.equal(list.length, 1);
  list = await env.images.list({ all: false, filters: { label: ["l=w"] }, digests: false, sharedSize: false }, ctx);
  assert.equal(list.length, 0);
  list = await env.images.list({ all: false, filters: { dangling: ["true"] }, digests: false, sharedSize: false }, ctx);
  assert.equal(list.length, 0);

  // rmi by ID with several repositories needs force.
  await assert.rejects(env.images.remove(id.slice(7, 19), { force: false, noprune: false }, ctx), {
    message: `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
  });
  // rmi by name only untags while other tags remain.
  assert.deepEqual(await env.images.remove("busybox", { force: false, noprune: false }, ctx), [{ Untagged: "busybox:latest" }]);
  assert.deepEqual(await env.images.remove("localhost:5000/x:y", { force: false, noprune: false }, ctx), [
    { Untagged: "localhost:5000/x:y" },
  ]);
  // The last tag deletes the image and its layer, then its blobs.
  const res = await env.images.remove("busybox:1", { force: false, noprune: false }, ctx);
  assert.deepEqual(res[0], { Untagged: "busybox:1" });
  assert.deepEqual(res[1], { Deleted: id });
  assert.deepEqual(res[2], { Deleted: ins.RootFS.Layers[0] }, "single layer: chain ID = diffID");
  await assert.rejects(env.images.inspect(id, ctx), /No such image/);
  assert.deepEqual(await blobs(env), []);
  assert.deepEqual(await env.snapshotter.list(), []);
});

test("untagged image: dangling, -f by ID over several repos, prune", async (t) => {
  const { env, fx } = setup(t);
  const a = await env.images.import(fileStream(busyboxTar(fx.dir)), { changes: [] }, () => undefined, ctx);
  const b = await env.images.import(fileStream(busyboxTar(fx.dir, { "etc/x": "1" })), { repo: "b", changes: [] }, () => undefined, ctx);
  await env.images.tag(b, "c", "1", ctx);
  let list = await env.images.list({ all: false, filters: { dangling: ["true"] }, digests: false, sharedSize: false }, ctx);
  assert.deepEqual(list.map((i) => i.Id), [a]);
  assert.deepEqual(list[0]?.RepoTags, ["<none>:<none>"]);
  const forced = await env.images.remove(b.slice(7, 19), { force: true, noprune: false }, ctx);
  assert.deepEqual(forced.filter((r) => r.Untagged).map((r) => r.Untagged).sort(), ["b:latest", "c:1"]);
  assert.ok(forced.some((r) => r.Deleted === b));
  // a's rootfs differs from b's, so prune removes a and reclaims its layer.
  const pr = await env.images.prune({ filters: {} }, ctx);
  assert.deepEqual(pr.ImagesDeleted?.[0], { Deleted: a });
  assert.ok(pr.SpaceReclaimed >= 1_900_000);
  assert.equal((await env.images.list({ all: true, filters: {}, digests: false, sharedSize: false }, ctx)).length, 0);
  assert.deepEqual(await blobs(env), []);
});

test("an image pinned by a build in progress outlives rmi -f of its child, image prune and rmi; unpinned, it goes", async (t) => {
  const { env, fx } = setup(t);
  const a = await env.images.import(fileStream(busyboxTar(fx.dir)), { changes: [] }, () => undefined, ctx);
  const kid = await writeImage(env.images, {
    parentId: a,
    config: { Cmd: ["sh"] },
    containerConfig: { Cmd: ["/bin/sh", "-c", "#(nop) ", "CMD [\"sh\"]"] },
    createdBy: "/bin/sh -c #(nop)  CMD [\"sh\"]",
    platform: { os: "linux", architecture: "amd64" },
  });
  await env.images.tag(kid, "kid", "1", ctx);
  const unpin = env.images.pin(a);
  const res = await env.images.remove("kid:1", { force: true, noprune: false }, ctx);
  assert.deepEqual(res, [{ Untagged: "kid:1" }, { Deleted: kid }], "the pinned parent is not pruned with its child");
  assert.ok(env.images.store.has(a));
  assert.deepEqual((await env.images.prune({ filters: {} }, ctx)).ImagesDeleted, null);
  await assert.rejects(env.images.remove(a, { force: true, noprune: false }, ctx), /image is being used by a build in progress/);
  unpin();
  unpin(); // twice: no effect
  assert.deepEqual((await env.images.prune({ filters: {} }, ctx)).ImagesDeleted?.[0], { Deleted: a });
});
