import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { changes, commitContainer, diffTar, EMPTY_TAR_DIGEST, type ContainerFs } from "../../src/containers/fs/index.js";
import { mountAll, unmountRecursive } from "../../src/mount/index.js";
import { busyboxTar, ctx, fileStream, makeEnv, tmp } from "./images-env.js";

test("containers fs: commit makes a child image holding the container's changes", async (t) => {
  const env = makeEnv();
  const fx = tmp();
  const mnt = path.join(fx.dir, "mnt");
  const view = path.join(fx.dir, "view");
  mkdirSync(mnt);
  mkdirSync(view);
  t.after(async () => {
    await unmountRecursive(mnt);
    await unmountRecursive(view);
    await env.close();
    fx.cleanup();
  });
  const base = await env.images.import(fileStream(busyboxTar(fx.dir)), { repo: "bb", tag: "1", changes: ['CMD ["sh"]'] }, () => undefined, ctx);
  const parent = env.images.get(base);
  const mounts = await env.snapshotter.prepare("ctr-1", parent.topChainId);
  await mountAll(mounts, mnt);
  const opt = (k: string): string => {
    const v = mounts[0]?.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? "";
    return path.resolve(mounts[0]?.cwd ?? "/", v);
  };
  const cfs: ContainerFs = { rootfs: mnt, upperDir: opt("upperdir"), lowerDirs: opt("lowerdir").split(":"), id: "ctr-1", extraMounts: [] };

  // an untouched container: empty diff → no new layer, an empty_layer history entry (moby NewChildImage)
  const config = { Cmd: ["sh", "-c", "echo hi > /hello"], Env: ["PATH=/bin"] };
  const emptyId = await commitContainer(env.images, { parentImageId: base, diff: diffTar(cfs), config, containerId: "ctr-1", changes: [] });
  const empty = env.images.get(emptyId);
  assert.equal(empty.config.rootfs.diff_ids.length, 1);
  assert.equal(empty.config.history?.at(-1)?.empty_layer, true);
  assert.notEqual(EMPTY_TAR_DIGEST, empty.config.rootfs.diff_ids[0]);

  writeFileSync(path.join(mnt, "hello"), "hi\n");
  mkdirSync(path.join(mnt, "etc"));
  writeFileSync(path.join(mnt, "etc/motd"), "motd");
  assert.deepEqual((await changes(cfs)).map((c) => `${c.Kind} ${c.Path}`), ["1 /etc", "1 /etc/motd", "1 /hello"]);

  const opts = { parentImageId: base, config, containerId: "ctr-1", author: "me", comment: "saved", changes: ["ENV X=1"], repo: "saved", tag: "v1" };
  const id1 = await commitContainer(env.images, { ...opts, diff: diffTar(cfs) });
  const rec = env.images.get("saved:v1");
  assert.equal(rec.id, id1);
  assert.equal(rec.parent, base);
  assert.equal(rec.layers.length, 2);
  assert.equal(rec.config.container, "ctr-1");
  assert.deepEqual(rec.config.container_config?.Cmd, config.Cmd);
  assert.deepEqual(rec.config.config?.Env, ["PATH=/bin", "X=1"]);
  assert.equal(rec.config.author, "me");
  assert.equal(rec.config.comment, "saved");
  const h = rec.config.history?.at(-1);
  assert.equal(h?.created_by, "sh -c echo hi > /hello");
  assert.equal(h?.author, "me");
  assert.equal(h?.empty_layer, undefined);

  // the new image's rootfs has the files
  const vm = await env.snapshotter.view("view-1", rec.topChainId);
  await mountAll(vm, view);
  assert.equal(readFileSync(path.join(view, "hello"), "utf8"), "hi\n");
  assert.equal(readFileSync(path.join(view, "etc/motd"), "utf8"), "motd");
  assert.ok(existsSync(path.join(view, "bin/busybox")));

  // committing again (same content, new config) gives another image sharing the layer
  const id2 = await commitContainer(env.images, { ...opts, changes: ["ENV X=2"], tag: "v2", diff: diffTar(cfs) });
  assert.notEqual(id2, id1);
  const rec2 = env.images.get(id2);
  assert.equal(rec2.topChainId, rec.topChainId);
  assert.deepEqual(rec2.config.config?.Env, ["PATH=/bin", "X=2"]);
  assert.equal((await env.images.inspect("saved:v1", ctx)).Id, id1);
});
