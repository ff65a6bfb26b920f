/**
 * COPY by hard link (src/builder/context/deferred-links.ts) on a real overlay mount: files that keep their
 * metadata end up as links of their sources in the upper dir, everything else is copied, overlayfs still
 * handles the directories, and the layer tar has no hardlink entries.
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { packDir, walkTar } from "../../src/archive/index.js";
import { copyInto } from "../../src/builder/context/copy-into.js";
import { DeferredLinks } from "../../src/builder/context/deferred-links.js";
import { MNT_DETACH, mount, umount2 } from "../../src/native/index.js";

test("COPY links files that keep their metadata, copies the rest, and the layer tar is plain files", async (t) => {
  const base = mkdtempSync(join(tmpdir(), "berth-copylinks-"));
  const [lower, upper, work, merged, ctx, other] = ["lower", "upper", "work", "merged", "ctx", "other"].map((d) => join(base, d)) as [string, string, string, string, string, string];
  for (const d of [lower, upper, work, merged, ctx, other]) mkdirSync(d);
  let mounted: string[] = [];
  t.after(() => {
    for (const m of mounted.reverse()) umount2(m, MNT_DETACH);
    rmSync(base, { recursive: true, force: true });
  });
  // the image: /app exists with its own mode and owner (overlayfs copies it up)
  mkdirSync(join(lower, "app"));
  chmodSync(join(lower, "app"), 0o750);
  chownSync(join(lower, "app"), 5, 5);
  writeFileSync(join(lower, "app", "old"), "old");
  // the context: a.txt and twin.txt share an inode (as the context store gives identical files)
  writeFileSync(join(ctx, "a.txt"), "alpha");
  linkSync(join(ctx, "a.txt"), join(ctx, "twin.txt"));
  writeFileSync(join(ctx, "mine.bin"), "owned by 1000");
  chownSync(join(ctx, "mine.bin"), 1000, 1000);
  mkdirSync(join(ctx, "sub"));
  writeFileSync(join(ctx, "sub", "d.txt"), "delta");
  utimesSync(join(ctx, "sub", "d.txt"), 1_600_000_000, 1_600_000_000);
  // a source on another file system
  mount("tmpfs", other, "tmpfs", 0, "size=1m");
  mounted.push(other);
  writeFileSync(join(other, "far.txt"), "far away");

  mount("overlay", merged, "overlay", 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
  mounted.push(merged);
  const links = new DeferredLinks(merged, upper);
  const entries = [
    { host: join(ctx, "a.txt"), rel: "a.txt", isDir: false },
    { host: join(ctx, "twin.txt"), rel: "twin.txt", isDir: false },
    { host: join(ctx, "mine.bin"), rel: "mine.bin", isDir: false },
    { host: join(ctx, "sub"), rel: "sub", isDir: true },
    { host: join(other, "far.txt"), rel: "far.txt", isDir: false },
  ];
  await copyInto(entries, merged, "/app/", { workdir: "/", extractArchives: false, deferFile: links.defer });
  assert.equal(links.count, 2, "a.txt and sub/d.txt; twin.txt shares a.txt's inode, mine.bin changes owner, far.txt is elsewhere");
  umount2(merged, 0);
  mounted = mounted.filter((m) => m !== merged);
  const appBefore = lstatSync(join(upper, "app"));
  links.finish();

  const st = (p: string) => lstatSync(join(upper, "app", p));
  assert.equal(st("a.txt").ino, lstatSync(join(ctx, "a.txt")).ino, "a.txt is a link of its source");
  assert.equal(st("d.txt").ino, lstatSync(join(ctx, "sub", "d.txt")).ino);
  assert.notEqual(st("twin.txt").ino, st("a.txt").ino, "twin.txt is a file of its own");
  assert.notEqual(st("far.txt").ino, lstatSync(join(other, "far.txt")).ino);
  assert.equal(st("mine.bin").uid, 0, "mine.bin was copied and chowned, its source untouched");
  assert.equal(lstatSync(join(ctx, "mine.bin")).uid, 1000);
  for (const [p, want] of [["a.txt", "alpha"], ["twin.txt", "alpha"], ["mine.bin", "owned by 1000"], ["d.txt", "delta"], ["far.txt", "far away"]]) {
    assert.equal(readFileSync(join(upper, "app", p as string), "utf8"), want, p);
  }
  assert.equal(Math.floor(st("d.txt").mtimeMs / 1000), 1_600_000_000);
  assert.equal(st("").mode & 0o7777, 0o750, "/app was copied up with its mode");
  assert.equal(st("").uid, 5);
  assert.ok(Math.abs(st("").mtimeMs - appBefore.mtimeMs) < 1, "linking kept the directory's mtime");
  const names: string[] = [];
  const tar: Buffer[] = [];
  for await (const c of packDir(upper, { overlayWhiteouts: true })) tar.push(c as Buffer);
  for await (const e of walkTar([Buffer.concat(tar)])) names.push(`${e.name}:${e.type}`);
  assert.deepEqual(names.sort(), ["app/:dir", "app/a.txt:file", "app/d.txt:file", "app/far.txt:file", "app/mine.bin:file", "app/twin.txt:file"]);
});
