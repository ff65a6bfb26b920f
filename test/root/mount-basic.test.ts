import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { isInvalidArgument, isNotFound } from "../../src/errdefs/index.js";
import { isMounted, mountAll, mountsUnder, readMountInfo, unmount, unmountRecursive, withTempMount } from "../../src/mount/index.js";

function tempDir(t: { after(fn: () => Promise<void>): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-mount-test-"));
  t.after(async () => {
    await unmountRecursive(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test("bind mounts: rw shows and takes writes, ro refuses them, unmount restores the directory", async (t) => {
  const dir = tempDir(t);
  const src = path.join(dir, "src");
  const mnt = path.join(dir, "mnt");
  mkdirSync(src);
  mkdirSync(mnt);
  writeFileSync(path.join(src, "f"), "hello");
  await mountAll([{ type: "bind", source: src, options: ["rbind", "rw"] }], mnt);
  assert.equal(isMounted(mnt), true);
  assert.equal(readFileSync(path.join(mnt, "f"), "utf8"), "hello");
  writeFileSync(path.join(mnt, "g"), "via mount");
  await unmount(mnt);
  assert.equal(isMounted(mnt), false);
  assert.deepEqual(readdirSync(mnt), []);
  assert.equal(readFileSync(path.join(src, "g"), "utf8"), "via mount");

  await mountAll([{ type: "bind", source: src, options: ["rbind", "ro", "nosuid", "nodev"] }], mnt);
  assert.throws(() => writeFileSync(path.join(mnt, "h"), "x"), (e) => (e as { code?: string }).code === "EROFS");
  const info = readMountInfo().find((m) => m.mountPoint === mnt);
  assert.match(info?.options ?? "", /(^|,)ro(,|$)/);
  assert.match(info?.options ?? "", /nosuid/);
  await unmount(mnt, { detach: true });
  await assert.rejects(unmount(mnt), (e) => isNotFound(e));
});

test("overlay: lower layers merged, writes go to upper; a missing source is not-found; over-long data is refused", async (t) => {
  const dir = tempDir(t);
  for (const d of ["l1", "l2", "up", "work", "mnt"]) mkdirSync(path.join(dir, d));
  writeFileSync(path.join(dir, "l1", "a"), "l1");
  writeFileSync(path.join(dir, "l2", "a"), "l2");
  writeFileSync(path.join(dir, "l1", "b"), "b");
  const mnt = path.join(dir, "mnt");
  // Relative lowerdirs resolved from cwd (the snapshotter's short links).
  await mountAll([{ type: "overlay", source: "overlay", cwd: dir, options: ["lowerdir=l2:l1", `upperdir=${dir}/up`, `workdir=${dir}/work`] }], mnt);
  assert.equal(readFileSync(path.join(mnt, "a"), "utf8"), "l2");
  assert.equal(readFileSync(path.join(mnt, "b"), "utf8"), "b");
  writeFileSync(path.join(mnt, "c"), "c");
  await unmountRecursive(mnt);
  assert.equal(readFileSync(path.join(dir, "up", "c"), "utf8"), "c");
  assert.equal(existsSync(path.join(dir, "l1", "c")), false);

  await assert.rejects(mountAll([{ type: "bind", source: path.join(dir, "missing"), options: ["rbind"] }], mnt), (e) => isNotFound(e));
  const long = Array.from({ length: 200 }, () => "l1").join(":") + ":" + "x".repeat(4000);
  await assert.rejects(mountAll([{ type: "overlay", source: "overlay", options: [`lowerdir=${long}`] }], mnt), (e) => isInvalidArgument(e));
  assert.equal(isMounted(mnt), false);
});

test("stacked and nested mounts: unmountRecursive removes them all; a failed mountAll undoes its own mounts", async (t) => {
  const dir = tempDir(t);
  const mnt = path.join(dir, "with space");
  mkdirSync(mnt);
  await mountAll([{ type: "tmpfs", source: "tmpfs", options: ["size=1m"] }], mnt);
  mkdirSync(path.join(mnt, "inner"));
  await mountAll([{ type: "tmpfs", source: "tmpfs", options: ["size=1m"] }], path.join(mnt, "inner"));
  await mountAll([{ type: "tmpfs", source: "tmpfs", options: ["size=1m"] }], path.join(mnt, "inner"));
  assert.equal(mountsUnder(mnt).length, 3);
  await unmountRecursive(dir);
  assert.deepEqual(mountsUnder(dir), []);

  await assert.rejects(
    mountAll(
      [
        { type: "tmpfs", source: "tmpfs", options: ["size=1m"] },
        { type: "bind", source: path.join(dir, "missing"), options: ["bind"] },
      ],
      mnt,
    ),
  );
  assert.deepEqual(mountsUnder(dir), []);
});

test("withTempMount always unmounts, and removes the temp target it made", async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, "f"), "x");
  let seen = "";
  const got = await withTempMount([{ type: "bind", source: dir, options: ["rbind", "ro"] }], async (root) => {
    seen = root;
    assert.equal(isMounted(root), true);
    return readFileSync(path.join(root, "f"), "utf8");
  });
  assert.equal(got, "x");
  assert.equal(isMounted(seen), false);
  assert.equal(existsSync(seen), false);

  const target = path.join(dir, "t");
  mkdirSync(target);
  await assert.rejects(
    withTempMount([{ type: "tmpfs", source: "tmpfs", options: [] }], target, async (root) => {
      mkdirSync(path.join(root, "sub"));
      await mountAll([{ type: "tmpfs", source: "tmpfs", options: [] }], path.join(root, "sub"));
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.deepEqual(mountsUnder(target), []);
  assert.equal(existsSync(target), true);
});
