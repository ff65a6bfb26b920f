/**
 * berthd pulls and pushes through a real registry (Debian's docker-registry on loopback), driven by the
 * docker CLI and the berth CLI: busybox round-trips with the same image ID and RepoDigest, a second
 * push finds every layer, a pull by digest works, and kill -9 of berthd mid-pull leaves no half image
 * while the next pull succeeds. (issue 7, client part)
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { makeRandomImage } from "../fixtures/random-image.js";
import { DOCKER_CLI, startBerthd, type Berthd } from "../helpers/daemon.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** docker-registry (distribution 2.8) on 127.0.0.1, plain HTTP, filesystem storage; stopped after the test. */
async function startRegistry(t: TestContext): Promise<{ host: string; url: string }> {
  const dir = mkdtempSync("/tmp/berth-reg-");
  const port = await freePort();
  const cfg = path.join(dir, "config.yml");
  writeFileSync(
    cfg,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const child = spawn("docker-registry", ["serve", cfg], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) return { host: `127.0.0.1:${port}`, url };
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  throw new Error(`docker-registry did not start: ${err}`);
}

async function ok(d: Berthd, args: string[], cli: "docker" | "berth" = "docker"): Promise<string> {
  const r = cli === "docker" ? await d.docker(args, { timeoutMs: 180_000 }) : await d.berth(args, { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `${cli} ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function inspect(d: Berthd, ref: string, format: string): Promise<string> {
  const r = await d.docker(["image", "inspect", "-f", format, ref]);
  return r.code === 0 ? r.stdout.trim() : "";
}

function tmp(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(`/tmp/${prefix}`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("busybox: push, push again, rmi, pull back (docker and berth CLIs), pull by digest", { timeout: 300_000 }, async (t) => {
  const fx = tmp(t, "berth-pp-");
  const archive = path.join(fx, "busybox.tar");
  const img = makeBusyboxArchive(archive, { tag: "busybox:latest" });
  const reg = await startRegistry(t);
  const d = await startBerthd(t);
  await ok(d, ["load", "-q", "-i", archive]);
  const ref = `${reg.host}/bb:1`;
  await ok(d, ["tag", "busybox:latest", ref]);

  const pushed = await ok(d, ["push", ref]);
  t.diagnostic(pushed);
  assert.match(pushed, new RegExp(`^The push refers to repository \\[${reg.host}/bb\\]$`, "m"));
  assert.equal((pushed.match(/: Pushed$/gm) ?? []).length, 1);
  const m = /^1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m.exec(pushed);
  assert.ok(m, "no '1: digest: … size: …' line");
  const digest = m[1] ?? "";
  const head = await fetch(`${reg.url}/v2/bb/manifests/1`, { method: "HEAD", headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  assert.equal(head.headers.get("docker-content-digest"), digest, "the printed digest is the registry's");
  assert.equal(Number(head.headers.get("content-length")), Number(m[2]));
  const repoDigests = await inspect(d, ref, "{{json .RepoDigests}}");
  assert.ok((JSON.parse(repoDigests) as string[]).includes(`${reg.host}/bb@${digest}`), repoDigests);

  const again = await ok(d, ["push", ref]);
  assert.match(again, /: Layer already exists$/m);
  assert.doesNotMatch(again, /: Pushed$/m);
  assert.match(again, new RegExp(`^1: digest: ${digest} size: `, "m"), "the second push sends the same manifest");

  // The berth CLI pushes too (a second tag; the layer is mounted or already there).
  await ok(d, ["tag", "busybox:latest", `${reg.host}/bb:2`]);
  const berthPush = await ok(d, ["push", `${reg.host}/bb:2`], "berth");
  assert.match(berthPush, new RegExp(`2: digest: ${digest}`));

  await ok(d, ["rmi", ref, `${reg.host}/bb:2`, "busybox:latest"]);
  assert.equal(await inspect(d, ref, "{{.Id}}"), "");
  const pulled = await ok(d, ["pull", ref]);
  t.diagnostic(pulled);
  assert.match(pulled, /^1: Pulling from bb$/m);
  assert.match(pulled, /: Pull complete$/m);
  assert.match(pulled, new RegExp(`^Digest: ${digest}$`, "m"));
  assert.match(pulled, new RegExp(`^Status: Downloaded newer image for ${reg.host}/bb:1$`, "m"));
  assert.equal(await inspect(d, ref, "{{.Id}}"), img.id, "same image ID after the round trip");
  assert.deepEqual(JSON.parse(await inspect(d, ref, "{{json .RepoDigests}}")), [`${reg.host}/bb@${digest}`]);
  const run = await d.docker(["run", "--rm", ref, "echo", "pulled-ok"]);
  if (run.code === 0) assert.match(run.stdout, /pulled-ok/);

  const upToDate = await ok(d, ["pull", ref], "berth");
  assert.match(upToDate, new RegExp(`Status: Image is up to date for ${reg.host}/bb:1`));

  // Pushing the pulled image to another repository sends the same bytes: same digest.
  await ok(d, ["tag", ref, `${reg.host}/copy:x`]);
  const copy = await ok(d, ["push", `${reg.host}/copy:x`]);
  assert.match(copy, new RegExp(`^x: digest: ${digest} size: `, "m"));
  assert.match(copy, /: (Mounted from bb|Layer already exists)$/m);

  // By digest, on a fresh daemon.
  const d2 = await startBerthd(t);
  const byDigest = await ok(d2, ["pull", `${reg.host}/bb@${digest}`]);
  assert.match(byDigest, new RegExp(`^${digest}: Pulling from bb$`, "m"));
  assert.equal(await inspect(d2, `${reg.host}/bb@${digest}`, "{{.Id}}"), img.id);

  // FROM of an image that is not here pulls it (docker's legacy builder path).
  const ctxDir = tmp(t, "berth-ppctx-");
  writeFileSync(path.join(ctxDir, "Dockerfile"), `FROM ${reg.host}/bb@${digest}\nLABEL built=from-pull\n`);
  const d3 = await startBerthd(t);
  const built = await d3.docker(["build", "-t", "frompull:1", ctxDir], { env: { ...d3.env, DOCKER_BUILDKIT: "0" }, timeoutMs: 120_000 });
  assert.equal(built.code, 0, `${built.stdout}\n${built.stderr}`);
  assert.match(built.stdout, /Pulling from bb/);
  assert.equal(await inspect(d3, `${reg.host}/bb@${digest}`, "{{.Id}}"), img.id);
  assert.equal(await inspect(d3, "frompull:1", "{{index .Config.Labels \"built\"}}"), "from-pull");

  // Docker's errors.
  const missing = await d.docker(["pull", `${reg.host}/bb:nope`]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, new RegExp(`manifest for ${reg.host}/bb:nope not found: manifest unknown`));
  const noTag = await d.docker(["push", `${reg.host}/nothing:1`]);
  assert.notEqual(noTag.code, 0);
  assert.match(noTag.stderr, new RegExp(`An image does not exist locally with the tag: ${reg.host}/nothing`));
});

function blobsAndIngest(d: Berthd): { blobs: string[]; ingest: string[] } {
  const ls = (p: string): string[] => (existsSync(p) ? readdirSync(p).sort() : []);
  return { blobs: ls(path.join(d.dataRoot, "content", "blobs", "sha256")), ingest: ls(path.join(d.dataRoot, "content", "ingest")) };
}

test("kill -9 of berthd mid-pull: no half image after restart, and the next pull succeeds", { timeout: 300_000 }, async (t) => {
  const fx = tmp(t, "berth-pk-");
  const archive = path.join(fx, "rand.tar");
  const img = makeRandomImage(archive, "rand:1", 3, 6);
  const reg = await startRegistry(t);
  const src = await startBerthd(t);
  await ok(src, ["load", "-q", "-i", archive]);
  await ok(src, ["tag", "rand:1", `${reg.host}/rand:1`]);
  await ok(src, ["push", `${reg.host}/rand:1`]);
  await src.cleanup();

  const blobPath = /\/blobs\/sha256:/;
  const p = await startFaultProxy(t, reg.url, [{ method: "GET", path: blobPath, fault: { kind: "throttle", bytesPerSec: 2_000_000 } }]);
  const d = await startBerthd(t);
  const before = blobsAndIngest(d);
  const ref = `${p.host}/rand:1`;
  const cli = spawn(DOCKER_CLI, ["pull", ref], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  cli.stdout.on("data", (c: Buffer) => (out += c.toString()));
  cli.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const done = new Promise<void>((r) => cli.once("close", () => r()));
  t.after(() => {
    if (cli.exitCode === null) cli.kill("SIGKILL");
  });
  const sent = (): number => p.hits.filter((h) => blobPath.test(h.path)).reduce((n, h) => n + h.bytes, 0);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && sent() < 4_000_000 && cli.exitCode === null) await sleep(50);
  await d.kill9();
  await done;
  assert.doesNotMatch(out, /Status: Downloaded newer image/, "the pull finished before the kill");

  await d.restart();
  assert.equal(await inspect(d, ref, "{{.Id}}"), "", "a half-pulled image is visible");
  assert.equal((await ok(d, ["images", "-a", "-q"])).trim(), "");
  const after = blobsAndIngest(d);
  assert.deepEqual(after.ingest, [], "ingest leftovers after restart");
  assert.deepEqual(after.blobs.filter((b) => !before.blobs.includes(b)), [], "blobs of the interrupted pull survived the restart's gc");

  p.setPlan([]);
  const pulled = await ok(d, ["pull", ref]);
  assert.match(pulled, /Status: Downloaded newer image/);
  assert.equal(await inspect(d, ref, "{{.Id}}"), img.id);
});
