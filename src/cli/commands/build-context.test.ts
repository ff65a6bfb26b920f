import { test } from "node:test";
import assert from "node:assert/strict";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { walkTar } from "../../archive/tar-reader.js";
import { IgnoreMatcher } from "../../util/ignore-matcher.js";
import { contextEntries, isArchive, keepBuildFiles, localContext, parseBuildArgs, parseLabels } from "./build-context.js";
import { dockerfileOnlyContext } from "./build-context.js";
import { progressCounter, sendingLine } from "./build.js";

function tree(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-bctx-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

async function listTar(tar: Readable): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of walkTar(tar)) {
    out.set(e.name.replace(/\/$/, ""), e.type === "file" ? (await e.readAll()).toString("utf8") : `<${e.type}${e.linkname ? ` ${e.linkname}` : ""}>`);
  }
  return out;
}

test("context walk: excluded dirs are skipped whole, re-included files kept, build files always sent", async (t) => {
  const dir = tree(t, {
    Dockerfile: "FROM busybox\n",
    ".dockerignore": "node_modules\nlogs\n!logs/keep.log\n*.tmp\nDockerfile\n.dockerignore\n",
    "a.txt": "a",
    "b.tmp": "tmp",
    "node_modules/x/y.js": "y",
    "logs/keep.log": "keep",
    "logs/drop.log": "drop",
    "src/c.txt": "c",
  });
  const ctx = localContext(dir, "");
  assert.equal(ctx.dockerfile, "Dockerfile");
  const got = await listTar(ctx.tar);
  assert.deepEqual([...got.keys()].sort(), [".dockerignore", "Dockerfile", "a.txt", "logs/keep.log", "src", "src/c.txt"]);
  assert.equal(got.get("logs/keep.log"), "keep");
});

test("contextEntries never descends into an excluded dir no pattern can re-include", (t) => {
  const dir = tree(t, { "skip/deep/f": "x", "keep/f": "y" });
  const visited: string[] = [];
  const m = new IgnoreMatcher(["skip"]);
  const orig = m.matches.bind(m);
  m.matches = (p: string): boolean => {
    visited.push(p);
    return orig(p);
  };
  const names = [...contextEntries(dir, m)].map((e) => String(e.name));
  assert.deepEqual(names, ["keep", "keep/f"]);
  assert.ok(!visited.some((v) => v.startsWith("skip/")), visited.join(","));
});

test("entries: owners 0:0, modes kept, symlinks and hard links", async (t) => {
  const dir = tree(t, { f: "data", Dockerfile: "FROM x\n" });
  symlinkSync("f", path.join(dir, "l"));
  linkSync(path.join(dir, "f"), path.join(dir, "h"));
  const entries = [...contextEntries(dir, undefined)];
  const by = new Map(entries.map((e) => [String(e.name), e]));
  assert.equal(by.get("l")?.type, "symlink");
  assert.equal(by.get("l")?.linkname, "f");
  // the first name seen in lexical order carries the body
  assert.equal(by.get("f")?.type, "file");
  assert.equal(by.get("h")?.type, "hardlink");
  assert.equal(by.get("h")?.linkname, "f");
  assert.ok(entries.every((e) => e.uid === 0 && e.gid === 0));
});

test("-f outside the context: sent under a generated name that .dockerignore lists", async (t) => {
  const outside = tree(t, { "dev.Dockerfile": "FROM busybox\nCOPY . /\n" });
  const dir = tree(t, { "data.txt": "d", ".dockerignore": "*.log" });
  const ctx = localContext(dir, path.join(outside, "dev.Dockerfile"));
  assert.match(ctx.dockerfile, /^\.dockerfile\.[0-9a-f]{20}$/);
  const got = await listTar(ctx.tar);
  assert.equal(got.get(ctx.dockerfile), "FROM busybox\nCOPY . /\n");
  assert.equal(got.get(".dockerignore"), `*.log\n${ctx.dockerfile}\n`);
  assert.equal(got.get("data.txt"), "d");

  // no .dockerignore in the context: one is made
  const bare = tree(t, { "x.txt": "x" });
  const c2 = localContext(bare, path.join(outside, "dev.Dockerfile"));
  const g2 = await listTar(c2.tar);
  assert.equal(g2.get(".dockerignore"), `.dockerignore\n${c2.dockerfile}\n`);

  // -f relative to the current directory, inside the context: used in place
  const c3 = localContext(".", "sub/Dockerfile", undefined, tree(t, { "sub/Dockerfile": "FROM a\n" }));
  assert.equal(c3.dockerfile, "sub/Dockerfile");
});

test("a Dockerfile-specific ignore file wins over .dockerignore", async (t) => {
  const dir = tree(t, { "app.Dockerfile": "FROM a\n", "app.Dockerfile.dockerignore": "secret\n", ".dockerignore": "public\n", secret: "s", public: "p" });
  const got = await listTar(localContext(dir, path.join(dir, "app.Dockerfile")).tar);
  assert.ok(!got.has("secret"));
  assert.ok(got.has("public"));
  assert.ok(got.has("app.Dockerfile.dockerignore"));
});

test("a missing Dockerfile fails like docker", (t) => {
  const dir = tree(t, { "a.txt": "a" });
  assert.throws(() => localContext(dir, ""), /unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat .*\/Dockerfile: no such file or directory/);
  assert.throws(() => localContext(path.join(dir, "nope"), ""), /unable to prepare context: unable to evaluate symlinks in context path/);
});

test("keepBuildFiles re-includes the Dockerfile and ignore file only when excluded", () => {
  assert.deepEqual(keepBuildFiles([], ["Dockerfile"]), []);
  assert.deepEqual(keepBuildFiles(["*.md"], [".dockerignore", "Dockerfile"]), ["*.md"]);
  assert.deepEqual(keepBuildFiles(["*"], [".dockerignore", "Dockerfile"]), ["*", "!.dockerignore", "!Dockerfile"]);
});

test("--build-arg: KEY=VAL, bare KEY from the environment or null", () => {
  assert.deepEqual(parseBuildArgs(["A=1", "B=", "C=x=y", "FROM_ENV", "UNSET"], { FROM_ENV: "env-value" }), { A: "1", B: "", C: "x=y", FROM_ENV: "env-value", UNSET: null });
  assert.throws(() => parseBuildArgs(["=v"], {}), /invalid argument "=v" for "--build-arg" flag/);
  assert.deepEqual(parseLabels(["a=b", "c", "d=e=f"]), { a: "b", c: "", "d": "e=f" });
  assert.throws(() => parseLabels(["=x"]), /empty name/);
});

test("stdin detection: tar and compressed streams are archives, Dockerfile text is not", async () => {
  const chunks: Buffer[] = [];
  for await (const c of dockerfileOnlyContext(Buffer.from("FROM a\n"))) chunks.push(c as Buffer);
  assert.ok(isArchive(Buffer.concat(chunks).subarray(0, 1024)));
  assert.ok(isArchive(Buffer.from([0x1f, 0x8b, 0x08, 0])));
  assert.ok(!isArchive(Buffer.from("FROM busybox\nRUN true\n")));
});

test("the upload line reads like docker's", () => {
  assert.equal(sendingLine(2048), "Sending build context to Docker daemon  2.048kB\r");
  assert.equal(sendingLine(10), "Sending build context to Docker daemon      10B\r");
});

test("upload progress: on a TTY from the first byte, otherwise only the last count; both end the line", async () => {
  for (const live of [true, false]) {
    let text = "";
    const c = progressCounter({ write: (s: string) => (text += s) }, live);
    const drained: Buffer[] = [];
    c.on("data", (b: Buffer) => drained.push(b));
    const done = new Promise((r) => c.on("end", r));
    c.write(Buffer.alloc(10));
    if (live) assert.equal(text, sendingLine(10), "the first byte shows at once on a TTY");
    else assert.equal(text, "");
    c.end(Buffer.alloc(2038));
    await done;
    assert.ok(text.endsWith(`${sendingLine(2048)}\r\n`), JSON.stringify(text));
    assert.equal(Buffer.concat(drained).length, 2048);
  }
});
