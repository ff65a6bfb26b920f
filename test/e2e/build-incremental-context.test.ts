/**
 * berth's incremental build context (docs/builder.md): the berth CLI sends a manifest first and then
 * only the contents berthd lacks. Checked against berthd's debug line of what it received, the
 * images' contents, the full-tar path (BERTH_BUILD_CONTEXT=full: same layers, same "Sending build
 * context" line) and the docker CLI (full tar, unchanged).
 */
import assert from "node:assert/strict";
import { createHash, randomFillSync } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";
import { contextDir } from "../helpers/context-dir.js";

const fx = mkdtempSync("/tmp/berth-incr-ctx-fx-");
const cacheHome = path.join(fx, "xdg-cache");
const ld = loadedDaemon();
after(() => rmSync(fx, { recursive: true, force: true }));

const context = (t: { after(fn: () => void): void }, files: Record<string, string | Buffer>): string => contextDir(t, fx, files);

const env = { XDG_CACHE_HOME: cacheHome };
async function berth(args: string[], extraEnv: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  return ld.d.berth(args, { timeoutMs: 120_000, env: { ...env, ...extraEnv } });
}
async function ok(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const r = await berth(args, extraEnv);
  assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The daemon's receive lines so far: bytes and contents that crossed per incremental build. */
function received(): Array<{ bytes: number; sent: number; contents: number }> {
  return ld.d
    .log()
    .split("\n")
    .filter((l) => l.includes("incremental build context received"))
    .map((l) => ({ bytes: Number(/bytes=(\d+)/.exec(l)?.[1]), sent: Number(/sent=(\d+)/.exec(l)?.[1]), contents: Number(/contents=(\d+)/.exec(l)?.[1]) }));
}

const sendingLine = (out: string): string | undefined => /Sending build context to Docker daemon\s+\S+/.exec(out)?.[0];

test("a rebuild sends only the changed file; COPY sees the change; deleted files disappear", async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024);
  randomFillSync(big);
  const dir = context(t, {
    Dockerfile: "FROM busybox\nCOPY . /ctx/\nCMD [\"sh\"]\n",
    "big/blob.bin": big,
    "small.txt": "one\n",
    "gone.txt": "bye\n",
  });
  const before = received().length;
  const first = await ok(["build", "-t", "incr:1", dir]);
  let r = received();
  assert.equal(r.length, before + 1, "the berth CLI used the incremental protocol");
  assert.ok((r.at(-1)?.bytes ?? 0) >= big.length, "the first build sends everything");

  // the progress line shows the context's size, as the full tar's does
  const full = await ok(["build", "-t", "incr:full", dir], { BERTH_BUILD_CONTEXT: "full" });
  assert.equal(received().length, before + 1, "BERTH_BUILD_CONTEXT=full sends a full tar");
  assert.equal(sendingLine(first), sendingLine(full));

  writeFileSync(path.join(dir, "small.txt"), "two!\n");
  rmSync(path.join(dir, "gone.txt"));
  await ok(["build", "-t", "incr:2", dir]);
  r = received();
  assert.equal(r.length, before + 2);
  assert.deepEqual(r.at(-1), { bytes: 5, sent: 1, contents: 3 }, "only small.txt's new content crossed");
  assert.equal((await ok(["run", "--rm", "incr:2", "cat", "/ctx/small.txt"])).trim(), "two!");
  const ls = (await ok(["run", "--rm", "incr:2", "ls", "/ctx"])).trim().split("\n");
  assert.deepEqual(ls, ["Dockerfile", "big", "small.txt"]);
  const sum = (await ok(["run", "--rm", "incr:2", "sha256sum", "/ctx/big/blob.bin"])).split(" ")[0];
  assert.equal(sum, createHash("sha256").update(big).digest("hex"));

  // nothing changed: nothing crosses, every step is cached
  const again = await ok(["build", "-t", "incr:3", dir]);
  assert.deepEqual(received().at(-1), { bytes: 0, sent: 0, contents: 3 });
  assert.match(again, /Using cache/);
  assert.doesNotMatch(again, /Running in/);
  // the store holds the contents, 0700 under the data root
  assert.ok(readdirSync(path.join(ld.d.dataRoot, "builder", "context-store", "objects")).length >= 3);
});

test("system df counts the context store as build cache; builder prune empties it", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nCOPY f /f\n", f: Buffer.alloc(200_000, 1) });
  await ok(["build", "-t", "prune:1", dir]);
  const df = await ld.d.api({ method: "GET", path: "/system/df" });
  const rec = (df.json as { BuildCache: Array<{ ID: string; Type: string; Size: number }> }).BuildCache.find((r) => r.ID === "berth-context-store");
  assert.ok(rec, df.body.toString());
  assert.equal(rec.Type, "source.local");
  assert.ok(rec.Size >= 200_000);
  const pr = await ld.d.api({ method: "POST", path: "/build/prune" });
  assert.equal(pr.status, 200, pr.body.toString());
  assert.ok((pr.json as { SpaceReclaimed: number }).SpaceReclaimed >= 200_000);
  assert.deepEqual(readdirSync(path.join(ld.d.dataRoot, "builder", "context-store", "objects")), []);
  // and the next build sends everything again
  await ok(["build", "-t", "prune:2", dir]);
  assert.ok((received().at(-1)?.bytes ?? 0) >= 200_000);
});

test("incremental and full-tar contexts give the same layer (metadata and content)", async (t) => {
  const dir = context(t, { Dockerfile: "FROM scratch\nCOPY . /\n", "a/b/c.txt": "c\n", "x.sh": "#!/bin/sh\n" });
  const { chmodSync, linkSync, utimesSync } = await import("node:fs");
  chmodSync(path.join(dir, "x.sh"), 0o755);
  symlinkSync("a/b/c.txt", path.join(dir, "link"));
  linkSync(path.join(dir, "x.sh"), path.join(dir, "hard"));
  utimesSync(path.join(dir, "a"), 1_000_000, 1_000_000);
  await ok(["build", "--no-cache", "-t", "same:incr", dir]);
  await ok(["build", "--no-cache", "-t", "same:full", dir], { BERTH_BUILD_CONTEXT: "full" });
  const layers = async (ref: string): Promise<string> => (await ok(["image", "inspect", "-f", "{{json .RootFS.Layers}}", ref])).trim();
  assert.equal(await layers("same:incr"), await layers("same:full"));
});

test("a file replaced by a symlink pointing outside behaves as with a full tar", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nCOPY f /f\n", f: "inside\n" });
  await ok(["build", "-t", "sym:1", dir]);
  rmSync(path.join(dir, "f"));
  symlinkSync("/etc/hostname", path.join(dir, "f"));
  const inc = await berth(["build", "-t", "sym:2", dir]);
  const full = await berth(["build", "-t", "sym:3", dir], { BERTH_BUILD_CONTEXT: "full" });
  assert.notEqual(inc.code, 0, "the link is resolved inside the context, where /etc/hostname does not exist");
  assert.equal(inc.code, full.code);
  assert.equal(inc.stderr, full.stderr);
  assert.match(inc.stderr, /file not found in build context/);
});

test("the check endpoint refuses a manifest escaping the context (400); an unknown id on /build is 400", async () => {
  const digest = "0".repeat(64);
  for (const p of ["../x", "/etc/passwd", "a/../../x"]) {
    const res = await ld.d.api({
      method: "POST",
      path: "/berth/build-context/check",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ version: 1, entries: [{ path: p, type: "file", mode: 420, uid: 0, gid: 0, mtime: 1, size: 1, digest }] }),
    });
    assert.equal(res.status, 400, `${p}: ${res.body.toString()}`);
    assert.match(String((res.json as { message?: string }).message), /not a clean path inside the context/);
  }
  const res = await ld.d.api({ method: "POST", path: "/build", headers: { "X-Berth-Context": "nope", "Content-Type": "application/x-tar" }, body: Buffer.alloc(1024) });
  assert.equal(res.status, 400);
  assert.match(res.body.toString(), /unknown build context manifest/);
});

test("the docker CLI still sends a full tar and builds", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nCOPY hello.txt /hello.txt\n", "hello.txt": "from docker\n" });
  const before = received().length;
  const r = await ld.d.docker(["build", "-q", "-t", "dk:1", dir], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(received().length, before, "no incremental exchange");
  assert.equal((await ok(["run", "--rm", "dk:1", "cat", "/hello.txt"])).trim(), "from docker");
});
