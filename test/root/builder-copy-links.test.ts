/**
 * COPY by hard link (src/builder/context/deferred-links.ts) on real overlay mounts: the same COPY with and
 * without links gives the same files (contents, modes, owners, mtimes, whiteouts), files that keep their
 * metadata become links of their sources, and the layer tar has no hardlink entries.
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { packDir, walkTar } from "../../src/archive/index.js";
import { copyInto } from "../../src/builder/context/copy-into.js";
import { DeferredLinks } from "../../src/builder/context/deferred-links.js";
import { MNT_DETACH, mount, umount2 } from "../../src/native/index.js";

/** Type, mode, owner, size, content and (files only) mtime of everything under root, sorted. */
function describe(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(root, rel)).sort()) {
    const r = rel ? `${rel}/${n}` : n;
    const st = lstatSync(join(root, r));
    const kind = st.isDirectory() ? "d" : st.isFile() ? "f" : st.isCharacterDevice() ? `c${st.rdev}` : "?";
    const body = st.isFile() ? `${readFileSync(join(root, r), "utf8")} ${Math.floor(st.mtimeMs / 1000)}` : "";
    out.push(`${r} ${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${body}`);
    if (st.isDirectory()) out.push(...describe(root, r));
  }
  return out;
}

test("COPY with links gives the files a plain COPY gives; linked files share their source's inode", async (t) => {
  const base = mkdtempSync(join(tmpdir(), "berth-copylinks-"));
  const mounted: string[] = [];
  t.after(() => {
    for (const m of mounted.reverse()) umount2(m, MNT_DETACH);
    rmSync(base, { recursive: true, force: true });
  });
  const p = (...s: string[]): string => join(base, ...s);
  // the image: /app with its own mode and owner and a file COPY replaces
  mkdirSync(p("lower", "app"), { recursive: true });
  chmodSync(p("lower", "app"), 0o750);
  chownSync(p("lower", "app"), 5, 5);
  writeFileSync(p("lower", "app", "a.txt"), "old");
  writeFileSync(p("lower", "app", "keep"), "keep");
  // the context: a.txt and twin.txt share an inode (as the context store gives identical files)
  mkdirSync(p("ctx", "sub", "deep"), { recursive: true });
  mkdirSync(p("ctx", "two", "y"), { recursive: true });
  mkdirSync(p("ctx", "one"));
  writeFileSync(p("ctx", "a.txt"), "alpha");
  linkSync(p("ctx", "a.txt"), p("ctx", "twin.txt"));
  writeFileSync(p("ctx", "mine.bin"), "owned by 1000");
  chownSync(p("ctx", "mine.bin"), 1000, 1000);
  writeFileSync(p("ctx", "sub", "d.txt"), "delta");
  writeFileSync(p("ctx", "sub", "deep", "e.txt"), "echo");
  utimesSync(p("ctx", "sub", "d.txt"), 1_600_000_000, 1_600_000_000);
  writeFileSync(p("ctx", "one", "x.txt"), "first");
  writeFileSync(p("ctx", "two", "x.txt"), "second wins");
  writeFileSync(p("ctx", "y"), "a file the directory two/y replaces");
  writeFileSync(p("ctx", "two", "y", "z"), "zed");
  mkdirSync(p("other"));
  mount("tmpfs", p("other"), "tmpfs", 0, "size=1m");
  mounted.push(p("other"));
  writeFileSync(p("other", "far.txt"), "far away");

  const copy = async (name: string, withLinks: boolean): Promise<{ upper: string; links?: DeferredLinks }> => {
    for (const d of ["upper", "work", "merged"]) mkdirSync(p(name, d), { recursive: true });
    const merged = p(name, "merged");
    const upper = p(name, "upper");
    mount("overlay", merged, "overlay", 0, `lowerdir=${p("lower")},upperdir=${upper},workdir=${p(name, "work")}`);
    mounted.push(merged);
    const links = withLinks ? new DeferredLinks(merged, upper) : undefined;
    const e = (host: string, rel: string, isDir = false) => ({ host, rel, isDir });
    const sources = [
      e(p("ctx", "a.txt"), "a.txt"),
      e(p("ctx", "twin.txt"), "twin.txt"),
      e(p("ctx", "mine.bin"), "mine.bin"),
      e(p("ctx", "sub"), "sub", true),
      e(p("other", "far.txt"), "far.txt"),
    ];
    await copyInto(sources, merged, "/app/", { workdir: "/", extractArchives: false, ...(links ? { deferFile: links.defer } : {}) });
    await copyInto([e(p("ctx", "a.txt"), "a.txt"), e(p("ctx", "sub"), "sub", true)], merged, "/new/", { workdir: "/", extractArchives: false, ...(links ? { deferFile: links.defer } : {}) });
    // later sources win over earlier ones at the same path: a file over a file, a directory over a file
    await copyInto([e(p("ctx", "one"), "one", true), e(p("ctx", "y"), "y"), e(p("ctx", "two"), "two", true)], merged, "/w/", { workdir: "/", extractArchives: false, ...(links ? { deferFile: links.defer } : {}) });
    umount2(merged, 0);
    mounted.splice(mounted.indexOf(merged), 1);
    links?.finish();
    return { upper, ...(links ? { links } : {}) };
  };
  const plain = await copy("plain", false);
  const linked = await copy("linked", true);
  assert.deepEqual(describe(linked.upper), describe(plain.upper), "the same files either way");
  assert.ok((linked.links?.count ?? 0) >= 5, `deferred ${linked.links?.count}`);
  const ino = (...s: string[]): number => lstatSync(join(...s)).ino;
  // /app is the image's: replacing its a.txt copied it up (a whiteout), and the link went over the whiteout
  assert.equal(ino(linked.upper, "app", "a.txt"), ino(p("ctx", "a.txt")));
  assert.notEqual(ino(linked.upper, "app", "twin.txt"), ino(p("ctx", "a.txt")), "twin.txt shares a.txt's inode: copied");
  assert.equal(ino(linked.upper, "app", "d.txt"), ino(p("ctx", "sub", "d.txt")));
  assert.equal(ino(linked.upper, "app", "deep", "e.txt"), ino(p("ctx", "sub", "deep", "e.txt")));
  // an inode is linked once per step: /new's copies of the same sources are files of their own
  assert.notEqual(ino(linked.upper, "new", "a.txt"), ino(p("ctx", "a.txt")));
  assert.notEqual(ino(linked.upper, "new", "d.txt"), ino(p("ctx", "sub", "d.txt")));
  assert.notEqual(ino(linked.upper, "app", "mine.bin"), ino(p("ctx", "mine.bin")), "a file whose owner changes is copied");
  assert.equal(lstatSync(p("ctx", "mine.bin")).uid, 1000, "and its source is untouched");
  assert.notEqual(ino(linked.upper, "app", "far.txt"), ino(p("other", "far.txt")), "another file system: copied");
  assert.equal(readFileSync(join(linked.upper, "w", "x.txt"), "utf8"), "second wins");
  const inodes = ["app/a.txt", "app/d.txt", "app/far.txt", "app/mine.bin", "app/twin.txt", "new/a.txt", "new/d.txt", "w/x.txt"].map((n) => ino(linked.upper, n));
  assert.equal(new Set(inodes).size, inodes.length, "no two files of the layer share an inode");
  const tar: Buffer[] = [];
  for await (const c of packDir(linked.upper, { overlayWhiteouts: true })) tar.push(c as Buffer);
  const types = new Set<string>();
  for await (const e of walkTar([Buffer.concat(tar)])) types.add(e.type);
  assert.ok(!types.has("hardlink"), [...types].join());
});
