import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { applyLayer, type TarWriteEntry } from "../../src/archive/index.js";
import { MNT_DETACH, lgetxattr, mount, umount2 } from "../../src/native/index.js";
import { sandbox, tarOf } from "../fixtures/tars/tar-fixtures.js";

function lowerTree(root: string): void {
  mkdirSync(join(root, "dir"), { recursive: true });
  writeFileSync(join(root, "dir/gone"), "lower");
  writeFileSync(join(root, "dir/kept"), "lower");
  mkdirSync(join(root, "dir/gonedir/deep"), { recursive: true });
  mkdirSync(join(root, "opq/olddir"), { recursive: true });
  writeFileSync(join(root, "opq/old"), "lower");
  writeFileSync(join(root, "opq/olddir/x"), "lower");
  mkdirSync(join(root, "opq/sub"));
  writeFileSync(join(root, "opq/sub/lowerfile"), "lower");
}

const layer: TarWriteEntry[] = [
  { name: "dir", type: "dir" },
  { name: "dir/.wh.gone", type: "file" },
  { name: "dir/.wh.gonedir", type: "file" },
  { name: "dir/.wh.never-existed", type: "file" },
  { name: "opq", type: "dir" },
  { name: "opq/new", type: "file", source: Buffer.from("upper") },
  { name: "opq/sub", type: "dir" },
  { name: "opq/sub/upperfile", type: "file", source: Buffer.from("upper") },
  { name: "opq/.wh..wh..opq", type: "file" },
  { name: "opq/after", type: "file", source: Buffer.from("upper") },
  { name: ".wh..wh.plnk", type: "dir" }, // aufs metadata: ignored
];

test("overlay mode: whiteouts are char 0/0, opaque dirs get trusted.overlay.opaque; a real overlay mount hides lower files", async (t) => {
  const sb = await sandbox(t);
  const lower = join(sb.base, "lower");
  const work = join(sb.base, "work");
  const merged = join(sb.base, "merged");
  for (const d of [lower, work, merged]) mkdirSync(d);
  lowerTree(lower);
  await applyLayer(await tarOf(layer), sb.dest, { whiteouts: "overlay" });
  const wh = lstatSync(join(sb.dest, "dir/gone"));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.ok(lstatSync(join(sb.dest, "dir/never-existed")).isCharacterDevice());
  assert.equal(existsSync(join(sb.dest, "dir/.wh.gone")), false);
  assert.equal(existsSync(join(sb.dest, ".wh..wh.plnk")), false);
  assert.equal(lgetxattr(join(sb.dest, "opq"), "trusted.overlay.opaque")?.toString(), "y");
  assert.equal(lgetxattr(join(sb.dest, "dir"), "trusted.overlay.opaque"), undefined);

  mount("overlay", merged, "overlay", 0, `lowerdir=${lower},upperdir=${sb.dest},workdir=${work}`);
  t.after(() => {
    try {
      umount2(merged, MNT_DETACH);
    } catch {
      // already unmounted
    }
  });
  assert.deepEqual(readdirSync(join(merged, "dir")).sort(), ["kept"]);
  assert.deepEqual(readdirSync(join(merged, "opq")).sort(), ["after", "new", "sub"]);
  assert.deepEqual(readdirSync(join(merged, "opq/sub")), ["upperfile"]);
  umount2(merged, 0);
});

test("delete mode: whiteouts delete, opaque dirs keep only this layer's entries", async (t) => {
  const sb = await sandbox(t);
  lowerTree(sb.dest);
  await applyLayer(await tarOf(layer), sb.dest, { whiteouts: "delete" });
  assert.deepEqual(readdirSync(join(sb.dest, "dir")).sort(), ["kept"]);
  assert.deepEqual(readdirSync(join(sb.dest, "opq")).sort(), ["after", "new", "sub"]);
  assert.deepEqual(readdirSync(join(sb.dest, "opq/sub")), ["upperfile"]);
  assert.equal(existsSync(join(sb.dest, "dir/never-existed")), false);
  assert.equal(existsSync(join(sb.dest, ".wh..wh.plnk")), false);
});

test("delete mode: an opaque marker spares files in dirs this layer created implicitly", async (t) => {
  const sb = await sandbox(t);
  lowerTree(sb.dest);
  await applyLayer(
    await tarOf([
      { name: "opq/implicit/file", type: "file", source: Buffer.from("mine") },
      { name: "opq/.wh..wh..opq", type: "file" },
    ]),
    sb.dest,
    { whiteouts: "delete" },
  );
  assert.deepEqual(readdirSync(join(sb.dest, "opq")), ["implicit"]);
  assert.deepEqual(readdirSync(join(sb.dest, "opq/implicit")), ["file"]);
});

test("whiteouts cannot name `..` or escape through symlinks", async (t) => {
  const sb = await sandbox(t);
  for (const mode of ["overlay", "delete"] as const) {
    await assert.rejects(applyLayer(await tarOf([{ name: "d/.wh...", type: "file" }]), sb.dest, { whiteouts: mode }), /invalid whiteout/);
    await assert.rejects(
      applyLayer(await tarOf([{ name: "x", type: "symlink", linkname: sb.outside }, { name: "x/.wh..wh..opq", type: "file" }]), sb.dest, { whiteouts: mode }),
      /through symlink/,
    );
  }
  await assert.rejects(applyLayer(await tarOf([{ name: "../.wh.outside", type: "file" }]), sb.dest, { whiteouts: "delete" }), /escapes/);
  assert.deepEqual(readdirSync(sb.outside), ["secret"]);
  assert.ok(existsSync(join(sb.base, "outside")));
});
