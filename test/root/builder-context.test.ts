/**
 * Build context handling on a real filesystem: extraction of context tars (compressions, escapes,
 * .dockerignore), COPY/ADD source resolution and checksums, and copying into a container root.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, it, type TestContext } from "node:test";
import { extractContext } from "../../src/builder/context/extract-context.js";
import { contentChecksum, resolveSources } from "../../src/builder/context/copy-sources.js";
import { copyInto } from "../../src/builder/context/copy-into.js";
import { CanceledError, InvalidArgumentError } from "../../src/errdefs/index.js";
import { tarBuffer, type FixtureEntry } from "../fixtures/tar.js";

function tempDir(t: TestContext, prefix = "berth-bctx-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function listTree(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(root, rel)).sort()) {
    const r = rel === "" ? n : `${rel}/${n}`;
    const st = lstatSync(join(root, r));
    out.push(st.isDirectory() ? r + "/" : r);
    if (st.isDirectory()) out.push(...listTree(root, r));
  }
  return out;
}

function stream(b: Buffer): Readable {
  return Readable.from([b]);
}

function compressWith(cmd: string, data: Buffer): Buffer {
  const r = spawnSync(cmd, ["-c"], { input: data });
  assert.equal(r.status, 0, `${cmd} failed`);
  return r.stdout;
}

const invalid = (re: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
  assert.match((e as Error).message, re);
  return true;
};

const BASIC: FixtureEntry[] = [
  { name: "Dockerfile", data: "FROM scratch\nCOPY . /\n" },
  { name: "app/", type: "dir", mode: 0o750, uid: 1234, gid: 4321 },
  { name: "app/main.go", data: "package main\n", mode: 0o640, uid: 1234, gid: 4321 },
  { name: "app/run.sh", data: "#!/bin/sh\n", mode: 0o755 },
  { name: "app/debug.log", data: "log" },
  { name: "keep.log", data: "keep" },
  { name: "other.log", data: "x" },
  { name: "docs/", type: "dir" },
  { name: "docs/a.md", data: "a" },
  { name: "docs/keep.md", data: "k" },
  { name: "docs/sub/", type: "dir" },
  { name: "docs/sub/b.md", data: "b" },
  { name: "secret/", type: "dir" },
  { name: "secret/key", data: "k" },
  { name: "node_modules/x/index.js", data: "x" },
  { name: ".dockerignore", data: "# comment\n**/*.log\n!keep.log\ndocs\n!docs/keep.md\n/secret/\nnode_modules\n" },
];

describe("extractContext", () => {
  it("extracts a plain tar and applies .dockerignore", async (t) => {
    const dest = tempDir(t);
    const r = await extractContext(stream(tarBuffer(BASIC)), dest, { dockerfile: "Dockerfile" });
    assert.equal(r.dockerfileText, "FROM scratch\nCOPY . /\n");
    assert.deepEqual(r.ignorePatterns, ["**/*.log", "!keep.log", "docs", "!docs/keep.md", "secret", "node_modules"]);
    assert.deepEqual(listTree(dest), [".dockerignore", "Dockerfile", "app/", "app/main.go", "app/run.sh", "docs/", "docs/keep.md", "keep.log"]);
    const st = statSync(join(dest, "app/main.go"));
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(st.uid, 1234);
    assert.equal(st.gid, 4321);
  });

  for (const [name, pack] of [
    ["gzip", (b: Buffer) => gzipSync(b)],
    ["bzip2", (b: Buffer) => compressWith("bzip2", b)],
    ["xz", (b: Buffer) => compressWith("xz", b)],
  ] as const) {
    it(`reads a ${name}-compressed context`, async (t) => {
      const dest = tempDir(t);
      const r = await extractContext(stream(pack(tarBuffer(BASIC))), dest, { dockerfile: "Dockerfile" });
      assert.match(r.dockerfileText, /^FROM scratch/);
      assert.equal(readFileSync(join(dest, "app/main.go"), "utf8"), "package main\n");
      assert.equal(existsSync(join(dest, "secret")), false);
    });
  }

  it("missing Dockerfile → docker's error", async (t) => {
    const dest = tempDir(t);
    await assert.rejects(
      extractContext(stream(tarBuffer([{ name: "a", data: "x" }])), dest, { dockerfile: "Dockerfile" }),
      invalid(/^Cannot locate specified Dockerfile: Dockerfile$/),
    );
    await assert.rejects(
      extractContext(stream(tarBuffer([{ name: "a", data: "x" }])), tempDir(t), { dockerfile: "build/Custom" }),
      invalid(/^Cannot locate specified Dockerfile: build\/Custom$/),
    );
  });

  it("falls back to a lowercase dockerfile like dockerd", async (t) => {
    const dest = tempDir(t);
    const r = await extractContext(stream(tarBuffer([{ name: "dockerfile", data: "FROM lower\n" }])), dest, { dockerfile: "Dockerfile" });
    assert.equal(r.dockerfileText, "FROM lower\n");
    assert.equal(r.dockerfilePath, "dockerfile");
  });

  it("a custom Dockerfile prefers <Dockerfile>.dockerignore", async (t) => {
    const dest = tempDir(t);
    const r = await extractContext(
      stream(
        tarBuffer([
          { name: "build/App.Dockerfile", data: "FROM x\n" },
          { name: "build/App.Dockerfile.dockerignore", data: "a\n" },
          { name: ".dockerignore", data: "b\n" },
          { name: "a", data: "a" },
          { name: "b", data: "b" },
        ]),
      ),
      dest,
      { dockerfile: "build/App.Dockerfile" },
    );
    assert.deepEqual(r.ignorePatterns, ["a"]);
    assert.equal(existsSync(join(dest, "a")), false);
    assert.equal(existsSync(join(dest, "b")), true);
    assert.equal(existsSync(join(dest, ".dockerignore")), true);
  });

  it("the Dockerfile and .dockerignore stay readable but leave the context when excluded (like dockerd)", async (t) => {
    const dest = tempDir(t);
    const r = await extractContext(
      stream(tarBuffer([{ name: "Dockerfile", data: "FROM x\n" }, { name: ".dockerignore", data: "Dockerfile\n.dockerignore\n" }, { name: "f", data: "f" }])),
      dest,
      { dockerfile: "Dockerfile" },
    );
    assert.equal(r.dockerfileText, "FROM x\n");
    assert.deepEqual(listTree(dest), ["f"]);
  });

  it("`*` with re-included files keeps only what is re-included", async (t) => {
    const dest = tempDir(t);
    await extractContext(
      stream(
        tarBuffer([
          { name: "Dockerfile", data: "FROM x\n" },
          { name: ".dockerignore", data: "*\n!src\n!Dockerfile\nsrc/*.tmp\n" },
          { name: "src/a.c", data: "a" },
          { name: "src/b.tmp", data: "b" },
          { name: "src/deep/c.tmp", data: "c" },
          { name: "junk/x", data: "x" },
        ]),
      ),
      dest,
      { dockerfile: "Dockerfile" },
    );
    assert.deepEqual(listTree(dest), ["Dockerfile", "src/", "src/a.c", "src/deep/", "src/deep/c.tmp"]);
  });

  it("a body that is not a tar is the Dockerfile itself", async (t) => {
    const dest = tempDir(t);
    const r = await extractContext(stream(Buffer.from("FROM busybox\nRUN echo hi\n")), dest, { dockerfile: "Dockerfile" });
    assert.equal(r.dockerfileText, "FROM busybox\nRUN echo hi\n");
    assert.deepEqual(listTree(dest), ["Dockerfile"]);
  });

  it("the docker CLI's stdin form (a tar with only a Dockerfile) works", async (t) => {
    const dest = tempDir(t);
    const r = await extractContext(stream(tarBuffer([{ name: "Dockerfile", data: "FROM a\n", mode: 0o600 }])), dest, { dockerfile: "Dockerfile" });
    assert.equal(r.dockerfileText, "FROM a\n");
    assert.deepEqual(r.ignorePatterns, []);
  });

  it("an abort ends a stalled upload; a bad ignore pattern is an InvalidArgumentError", async (t) => {
    const pass = new PassThrough();
    pass.write(tarBuffer([{ name: "Dockerfile", data: "FROM x\n" }]).subarray(0, 1024)); // no end-of-archive, never ends
    const ac = new AbortController();
    const run = extractContext(pass, tempDir(t), { dockerfile: "Dockerfile", signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(run, (e: unknown) => e instanceof CanceledError);
    await assert.rejects(
      extractContext(stream(tarBuffer([{ name: "Dockerfile", data: "FROM x\n" }, { name: ".dockerignore", data: "ok\n[oops\n" }])), tempDir(t), {
        dockerfile: "Dockerfile",
      }),
      invalid(/syntax error in pattern/),
    );
  });

  it("refuses entries escaping destDir and never writes outside", async (t) => {
    const base = tempDir(t);
    const outside = join(base, "outside");
    mkdirSync(outside);
    const cases: FixtureEntry[][] = [
      [{ name: "../outside/pwned", data: "x" }],
      [{ name: `/${outside.slice(1)}/pwned`, data: "x" }],
      [{ name: "link", type: "symlink", linkname: outside }, { name: "link/pwned", data: "x" }],
      [{ name: "rel", type: "symlink", linkname: "../outside" }, { name: "rel/pwned", data: "x" }],
      [{ name: "hl", type: "hardlink", linkname: "../outside/target" }],
    ];
    writeFileSync(join(outside, "target"), "t");
    for (const [i, entries] of cases.entries()) {
      const dest = join(base, `ctx${i}`);
      await assert.rejects(extractContext(stream(tarBuffer([{ name: "Dockerfile", data: "FROM x\n" }, ...entries])), dest, { dockerfile: "Dockerfile" }), InvalidArgumentError);
      assert.deepEqual(readdirSync(outside), ["target"], `case ${i}`);
    }
  });

  it("a Dockerfile symlink pointing outside is resolved inside the context", async (t) => {
    const base = tempDir(t);
    writeFileSync(join(base, "Hostfile"), "FROM host-secret\n");
    const dest = join(base, "ctx");
    await assert.rejects(
      extractContext(stream(tarBuffer([{ name: "Dockerfile", type: "symlink", linkname: join(base, "Hostfile") }])), dest, { dockerfile: "Dockerfile" }),
      invalid(/Cannot locate specified Dockerfile/),
    );
    const dest2 = join(base, "ctx2");
    const r = await extractContext(
      stream(tarBuffer([{ name: "real/Df", data: "FROM inside\n" }, { name: "Dockerfile", type: "symlink", linkname: "/real/Df" }])),
      dest2,
      { dockerfile: "Dockerfile" },
    );
    assert.equal(r.dockerfileText, "FROM inside\n");
  });
});

function makeContext(t: TestContext): string {
  const ctx = tempDir(t);
  mkdirSync(join(ctx, "sub/deeper"), { recursive: true });
  mkdirSync(join(ctx, "dir"));
  writeFileSync(join(ctx, "a.txt"), "A");
  writeFileSync(join(ctx, "b.txt"), "B");
  writeFileSync(join(ctx, "c.md"), "C");
  writeFileSync(join(ctx, "sub/x.go"), "X");
  writeFileSync(join(ctx, "sub/deeper/y.go"), "Y");
  writeFileSync(join(ctx, "dir/f"), "F", { mode: 0o600 });
  symlinkSync("f", join(ctx, "dir/flink"));
  symlinkSync("a.txt", join(ctx, "alink"));
  symlinkSync("/etc/hostname", join(ctx, "abslink"));
  symlinkSync("../../../../../../../etc", join(ctx, "uplink"));
  return ctx;
}

describe("resolveSources", () => {
  it("resolves literal files and directories, cleaned and clamped at the root", async (t) => {
    const ctx = makeContext(t);
    const r = await resolveSources(ctx, ["a.txt", "./sub", "/dir/", "../../b.txt", "sub/../c.md"], { allowWildcards: false });
    assert.deepEqual(
      r.map((e) => [e.rel, e.isDir, e.host]),
      [
        ["a.txt", false, join(ctx, "a.txt")],
        ["sub", true, join(ctx, "sub")],
        ["dir", true, join(ctx, "dir")],
        ["b.txt", false, join(ctx, "b.txt")],
        ["c.md", false, join(ctx, "c.md")],
      ],
    );
    const root = await resolveSources(ctx, ["."], { allowWildcards: true });
    assert.deepEqual(root, [{ host: ctx, rel: ".", isDir: true }]);
  });

  it("missing sources get the legacy builder's message", async (t) => {
    const ctx = makeContext(t);
    await assert.rejects(
      resolveSources(ctx, ["/nope"], { allowWildcards: true, instruction: "COPY" }),
      invalid(/^COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist$/),
    );
    await assert.rejects(resolveSources(ctx, ["*.nothing"], { allowWildcards: true }), invalid(/^no source files were specified$/));
    await assert.rejects(resolveSources(ctx, ["sub/nope"], { allowWildcards: true, instruction: "ADD" }), invalid(/^ADD failed: file not found .*: stat sub\/nope: file/));
    // Without wildcards, a `*` is a literal name.
    await assert.rejects(resolveSources(ctx, ["*.txt"], { allowWildcards: false }), invalid(/stat \*\.txt: file does not exist/));
  });

  it("expands wildcards per path component, in lexical order", async (t) => {
    const ctx = makeContext(t);
    const rels = async (p: string[]): Promise<string[]> => (await resolveSources(ctx, p, { allowWildcards: true })).map((e) => e.rel);
    assert.deepEqual(await rels(["*.txt"]), ["a.txt", "b.txt"]);
    assert.deepEqual(await rels(["[ab].txt", "c.*"]), ["a.txt", "b.txt", "c.md"]);
    assert.deepEqual(await rels(["*/*.go"]), ["sub/x.go"]);
    assert.deepEqual(await rels(["sub/*/*.go"]), ["sub/deeper/y.go"]);
    assert.deepEqual(await rels(["?.txt", "*.nothing"]), ["a.txt", "b.txt"]);
  });

  it("follows symlinks only inside the context", async (t) => {
    const ctx = makeContext(t);
    const [l] = await resolveSources(ctx, ["alink"], { allowWildcards: false });
    assert.deepEqual(l, { host: join(ctx, "a.txt"), rel: "alink", isDir: false });
    await assert.rejects(resolveSources(ctx, ["abslink"], { allowWildcards: false }), invalid(/stat abslink: file does not exist/));
    await assert.rejects(resolveSources(ctx, ["uplink/passwd"], { allowWildcards: false }), invalid(/stat uplink\/passwd: file does not exist/));
    mkdirSync(join(ctx, "etc"));
    writeFileSync(join(ctx, "etc/passwd"), "in-context");
    const [p] = await resolveSources(ctx, ["uplink/passwd"], { allowWildcards: false });
    assert.equal(p?.host, join(ctx, "etc/passwd"));
  });
});

describe("contentChecksum", () => {
  it("is stable, ignores mtimes, and changes with content, mode, names and link targets", async (t) => {
    const ctx = makeContext(t);
    const sum = async (): Promise<string> => contentChecksum(await resolveSources(ctx, ["dir", "a.txt"], { allowWildcards: false }));
    const s1 = await sum();
    assert.match(s1, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await sum(), s1);
    utimesSync(join(ctx, "dir/f"), 1000, 1000);
    assert.equal(await sum(), s1, "mtime does not count");
    writeFileSync(join(ctx, "dir/f"), "G");
    const s2 = await sum();
    assert.notEqual(s2, s1);
    writeFileSync(join(ctx, "dir/f"), "F");
    assert.equal(await sum(), s1);
    spawnSync("chmod", ["0644", join(ctx, "dir/f")]);
    const s3 = await sum();
    assert.notEqual(s3, s1);
    spawnSync("chmod", ["0600", join(ctx, "dir/f")]);
    rmSync(join(ctx, "dir/flink"));
    symlinkSync("other", join(ctx, "dir/flink"));
    assert.notEqual(await sum(), s1);
    rmSync(join(ctx, "dir/flink"));
    symlinkSync("f", join(ctx, "dir/flink"));
    assert.equal(await sum(), s1);
    spawnSync("chown", ["7:7", join(ctx, "a.txt")]);
    const s4 = await sum();
    assert.notEqual(s4, s1, "owners count");
    spawnSync("chmod", ["0711", join(ctx, "dir")]);
    assert.equal(await sum(), s4, "a source directory's own mode does not count (it is not copied)");
    const other = await contentChecksum(await resolveSources(ctx, ["a.txt", "dir"], { allowWildcards: false }));
    assert.notEqual(other, await sum(), "order counts");
  });
});

function makeRootfs(t: TestContext): string {
  const root = tempDir(t, "berth-rootfs-");
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "app"));
  symlinkSync("/", join(root, "toroot"));
  symlinkSync("../../../../..", join(root, "up"));
  symlinkSync("/app", join(root, "applink"));
  return root;
}

describe("copyInto", () => {
  it("copies a file into a directory dest ending in / with modes kept and root ownership", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    spawnSync("chown", ["1234:1234", join(ctx, "dir/f")]);
    await copyInto(await resolveSources(ctx, ["dir/f"], { allowWildcards: false }), root, "/new/dest/", { workdir: "/", extractArchives: false });
    const st = lstatSync(join(root, "new/dest/f"));
    assert.equal(readFileSync(join(root, "new/dest/f"), "utf8"), "F");
    assert.equal(st.mode & 0o7777, 0o600);
    assert.equal(st.uid, 0);
    assert.equal(st.gid, 0);
    assert.equal(lstatSync(join(root, "new")).mode & 0o7777, 0o755);
  });

  it("a relative dest is under workdir; a file dest is renamed; chown and chmod apply", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    await copyInto(await resolveSources(ctx, ["a.txt"], { allowWildcards: false }), root, "sub/renamed", {
      workdir: "/work",
      extractArchives: false,
      chown: { uid: 1000, gid: 2000 },
      chmod: 0o741,
    });
    const st = lstatSync(join(root, "work/sub/renamed"));
    assert.equal(readFileSync(join(root, "work/sub/renamed"), "utf8"), "A");
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 2000, 0o741]);
    const d = lstatSync(join(root, "work/sub"));
    assert.deepEqual([d.uid, d.gid], [1000, 2000]);
    // Into an existing directory without a trailing slash: the base name is kept.
    await copyInto(await resolveSources(ctx, ["b.txt"], { allowWildcards: false }), root, ".", { workdir: "/app", extractArchives: false });
    assert.equal(readFileSync(join(root, "app/b.txt"), "utf8"), "B");
    await copyInto(await resolveSources(ctx, ["c.md"], { allowWildcards: false }), root, "/etc", { workdir: "/", extractArchives: false });
    assert.equal(readFileSync(join(root, "etc/c.md"), "utf8"), "C");
  });

  it("a symlinked source file keeps the link's name; a directory copies its contents with links as links", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    linkSync(join(ctx, "dir/f"), join(ctx, "dir/hard"));
    await copyInto(await resolveSources(ctx, ["alink", "dir"], { allowWildcards: false }), root, "/out/", { workdir: "/", extractArchives: false });
    assert.deepEqual(listTree(join(root, "out")), ["alink", "f", "flink", "hard"]);
    assert.equal(lstatSync(join(root, "out/alink")).isFile(), true);
    assert.equal(readlinkSync(join(root, "out/flink")), "f");
    assert.equal(readFileSync(join(root, "out/hard"), "utf8"), "F");
    // a directory into a new dest
    spawnSync("chmod", ["0700", join(ctx, "sub")]);
    await copyInto(await resolveSources(ctx, ["sub"], { allowWildcards: false }), root, "/srcs", { workdir: "/", extractArchives: false });
    assert.deepEqual(listTree(join(root, "srcs")), ["deeper/", "deeper/y.go", "x.go"]);
    assert.equal(lstatSync(join(root, "srcs")).mode & 0o7777, 0o755, "a new dest dir is 0755, not the source dir's mode");
    // the whole context (a 0700 temp dir) into a new workdir
    await copyInto(await resolveSources(ctx, ["."], { allowWildcards: true }), root, ".", { workdir: "/whole", extractArchives: false });
    assert.equal(lstatSync(join(root, "whole")).mode & 0o7777, 0o755);
    assert.equal(readFileSync(join(root, "whole/sub/deeper/y.go"), "utf8"), "Y");
  });

  it("keepOwners (COPY --from, BuildKit) keeps source owners unless chown is given", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    spawnSync("chown", ["-h", "-R", "321:654", join(ctx, "dir")]);
    const e = await resolveSources(ctx, ["dir"], { allowWildcards: false });
    await copyInto(e, root, "/keep/", { workdir: "/", extractArchives: false, keepOwners: true });
    for (const n of ["f", "flink"]) {
      const st = lstatSync(join(root, "keep", n));
      assert.deepEqual([st.uid, st.gid], [321, 654], n);
    }
    assert.equal(lstatSync(join(root, "keep")).uid, 0, "a created dest dir is 0:0");
    await copyInto(e, root, "/chowned/", { workdir: "/", extractArchives: false, keepOwners: true, chown: { uid: 5, gid: 6 } });
    assert.equal(lstatSync(join(root, "chowned/f")).uid, 5);
    await copyInto(e, root, "/zero/", { workdir: "/", extractArchives: false });
    assert.equal(lstatSync(join(root, "zero/flink")).uid, 0);
  });

  it("more than one source needs a directory dest ending in /", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    const two = await resolveSources(ctx, ["*.txt"], { allowWildcards: true });
    await assert.rejects(
      copyInto(two, root, "/dest", { workdir: "/", extractArchives: false }),
      invalid(/^When using COPY with more than one source file, the destination must be a directory and end with a \/$/),
    );
    await assert.rejects(copyInto(two, root, "/dest", { workdir: "/", extractArchives: false, instruction: "ADD" }), invalid(/^When using ADD with more/));
    await copyInto(two, root, "/dest/", { workdir: "/", extractArchives: false });
    assert.deepEqual(listTree(join(root, "dest")), ["a.txt", "b.txt"]);
  });

  it("image symlinks never lead outside the rootfs", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    const name = `berth-escape-${process.pid}-${Date.now()}`;
    const files = await resolveSources(ctx, ["a.txt"], { allowWildcards: false });
    await copyInto(files, root, `/toroot/${name}`, { workdir: "/", extractArchives: false });
    await copyInto(files, root, `/up/tmp/${name}`, { workdir: "/", extractArchives: false });
    await copyInto(files, root, `${name}-rel`, { workdir: "/up/up/tmp", extractArchives: false });
    assert.equal(existsSync(`/${name}`), false);
    assert.equal(existsSync(`/tmp/${name}`), false);
    assert.equal(existsSync(`/tmp/${name}-rel`), false);
    assert.equal(readFileSync(join(root, name), "utf8"), "A");
    assert.equal(readFileSync(join(root, "tmp", name), "utf8"), "A");
    assert.equal(readFileSync(join(root, "tmp", `${name}-rel`), "utf8"), "A");
    // a symlinked dest directory inside the root is followed inside it
    await copyInto(files, root, "/applink/", { workdir: "/", extractArchives: false });
    assert.equal(readFileSync(join(root, "app/a.txt"), "utf8"), "A");
  });

  it("replaces an existing symlink below dest instead of writing through it", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    const outside = tempDir(t, "berth-outside-");
    mkdirSync(join(root, "opt"));
    symlinkSync(outside, join(root, "opt/deeper")); // absolute host path: a hostile image
    symlinkSync(join(outside, "x.go"), join(root, "opt/x.go"));
    await copyInto(await resolveSources(ctx, ["sub"], { allowWildcards: false }), root, "/opt", { workdir: "/", extractArchives: false });
    assert.deepEqual(readdirSync(outside), []);
    assert.equal(lstatSync(join(root, "opt/deeper")).isDirectory(), true);
    assert.equal(readFileSync(join(root, "opt/deeper/y.go"), "utf8"), "Y");
    assert.equal(lstatSync(join(root, "opt/x.go")).isFile(), true);
  });

  it("ADD extracts local archives (detected by content) and copies other files", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    const tar = tarBuffer([
      { name: "pkg/", type: "dir", mode: 0o755 },
      { name: "pkg/bin", data: "#!/bin/sh\n", mode: 0o755, uid: 42, gid: 43 },
      { name: "pkg/lib", type: "symlink", linkname: "bin" },
    ]);
    writeFileSync(join(ctx, "release.bin"), gzipSync(tar)); // the name says nothing
    writeFileSync(join(ctx, "plain.tar"), tar);
    writeFileSync(join(ctx, "data.xz"), compressWith("xz", tar));
    writeFileSync(join(ctx, "notes.tar.gz"), "not really an archive");
    await copyInto(await resolveSources(ctx, ["release.bin"], { allowWildcards: true }), root, "/opt/", { workdir: "/", extractArchives: true });
    const st = lstatSync(join(root, "opt/pkg/bin"));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [42, 43, 0o755]);
    assert.equal(readlinkSync(join(root, "opt/pkg/lib")), "bin");
    await copyInto(await resolveSources(ctx, ["data.xz"], { allowWildcards: true }), root, "/x", { workdir: "/", extractArchives: true });
    assert.equal(readFileSync(join(root, "x/pkg/bin"), "utf8"), "#!/bin/sh\n");
    await copyInto(await resolveSources(ctx, ["notes.tar.gz"], { allowWildcards: true }), root, "/n/", { workdir: "/", extractArchives: true });
    assert.equal(readFileSync(join(root, "n/notes.tar.gz"), "utf8"), "not really an archive");
    // COPY never extracts
    await copyInto(await resolveSources(ctx, ["plain.tar"], { allowWildcards: true }), root, "/c/", { workdir: "/", extractArchives: false });
    assert.deepEqual(readFileSync(join(root, "c/plain.tar")), tar);
  });

  it("ADD --chown applies to extracted entries; extraction replaces symlinks under dest", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    const outside = tempDir(t, "berth-outside-");
    mkdirSync(join(root, "srv"));
    symlinkSync(outside, join(root, "srv/pkg"));
    writeFileSync(join(ctx, "a.tgz"), gzipSync(tarBuffer([{ name: "pkg/bin", data: "b", mode: 0o750, uid: 42, gid: 43 }])));
    await copyInto(await resolveSources(ctx, ["a.tgz"], { allowWildcards: false }), root, "/srv", {
      workdir: "/",
      extractArchives: true,
      chown: { uid: 7, gid: 8 },
    });
    assert.deepEqual(readdirSync(outside), []);
    const st = lstatSync(join(root, "srv/pkg/bin"));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [7, 8, 0o750]);
    assert.equal(lstatSync(join(root, "srv/pkg")).uid, 7);
  });

  it("ADD extraction refuses archives escaping the rootfs", async (t) => {
    const ctx = makeContext(t);
    const root = makeRootfs(t);
    const outside = tempDir(t, "berth-outside-");
    writeFileSync(join(ctx, "evil.tar"), tarBuffer([{ name: "../../../../../../../../" + outside.slice(1) + "/pwned", data: "x" }]));
    await assert.rejects(copyInto(await resolveSources(ctx, ["evil.tar"], { allowWildcards: false }), root, "/e/", { workdir: "/", extractArchives: true }), InvalidArgumentError);
    writeFileSync(join(ctx, "evil2.tar"), tarBuffer([{ name: "l", type: "symlink", linkname: outside }, { name: "l/pwned", data: "x" }]));
    await assert.rejects(copyInto(await resolveSources(ctx, ["evil2.tar"], { allowWildcards: false }), root, "/e2/", { workdir: "/", extractArchives: true }), InvalidArgumentError);
    assert.deepEqual(readdirSync(outside), []);
  });
});
