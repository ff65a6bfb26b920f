/**
 * Registry faults (issue 7, Acceptance "Faults" and "Bad input"): berthd pulls from Debian's
 * docker-registry through a test proxy on loopback that drops connections mid-blob, stalls, answers
 * 500/429 before passing through, or rewrites blob bytes. Each pull either completes with the right
 * image ID or fails clearly with nothing half-stored: no new image listed, no new blob in
 * content/blobs, nothing in content/ingest, no new snapshot. kill -9 of berthd mid-pull leaves
 * nothing half-pulled visible and the next pull succeeds.
 *
 * The images are pushed to the registry with skopeo (not berth), so these tests depend only on
 * berthd's pull (POST /images/create), driven by the docker CLI.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { makeRandomImage } from "../fixtures/random-image.js";
import type { ArchiveResult } from "../fixtures/image-archive.js";
import { DOCKER_CLI, sleep, startBerthd, type Berthd } from "../helpers/daemon.js";
import { startDistribution } from "../helpers/distribution.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";

const BLOB_GET = /\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}/;
const MANIFEST_GET = /\/v2\/.+\/manifests\//;

function listDir(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

function walk(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of listDir(path.join(root, rel))) {
    const r = path.join(rel, e);
    const st = statSync(path.join(root, r), { throwIfNoEntry: false });
    out.push(r);
    if (st?.isDirectory() && !st.isSymbolicLink()) out.push(...walk(root, r));
  }
  return out;
}

/** What a pull leaves on disk: committed blobs, ingests in progress, snapshot dirs. */
interface StoreState {
  blobs: string[];
  ingest: string[];
  snapshots: string[];
}

function storeState(d: Berthd): StoreState {
  const snapRoot = path.join(d.dataRoot, "snapshots");
  return {
    blobs: listDir(path.join(d.dataRoot, "content", "blobs", "sha256")).sort(),
    ingest: listDir(path.join(d.dataRoot, "content", "ingest")).sort(),
    snapshots: walk(snapRoot)
      .filter((r) => path.basename(r) === "fs" || /^(extract-|new-|tmp-?)/.test(path.basename(r)))
      .sort(),
  };
}

/** Asserts a failed pull left nothing behind compared to `before`. */
function assertNothingStored(d: Berthd, before: StoreState, what: string): void {
  const now = storeState(d);
  const newBlobs = now.blobs.filter((b) => !before.blobs.includes(b));
  assert.deepEqual(newBlobs, [], `${what}: blobs left in content/blobs after the failed pull`);
  assert.deepEqual(now.ingest, [], `${what}: content/ingest not empty after the failed pull`);
  const newSnaps = now.snapshots.filter((s) => !before.snapshots.includes(s));
  assert.deepEqual(newSnaps, [], `${what}: snapshots left after the failed pull`);
}

async function imageIds(d: Berthd): Promise<string> {
  const r = await d.docker(["images", "-a", "-q", "--no-trunc"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").filter((x) => x !== "").sort().join("\n");
}

/** Pushes a docker-archive to a plain-HTTP registry with skopeo (layers get gzip-compressed on the way). */
function skopeoPush(archive: string, dest: string): void {
  execFileSync("skopeo", ["--insecure-policy", "copy", "-q", "--dest-tls-verify=false", `docker-archive:${archive}`, `docker://${dest}`], { stdio: "pipe" });
}

interface Fixture {
  dir: string;
  reg: { host: string; url: string };
  img: ArchiveResult;
  /** Repository path inside the registry. */
  repo: string;
  /** Matches GETs of the image's layer blobs (not its config). */
  layerGet: RegExp;
}

/** A registry holding a 3-layer image of 3 × 4 MB random data. */
async function fixture(t: TestContext, layers = 3, mb = 4): Promise<Fixture> {
  const dir = mkdtempSync("/tmp/berth-regfault-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const archive = path.join(dir, "img.tar");
  const img = makeRandomImage(archive, "faults/img:1", layers, mb);
  const reg = await startDistribution(t, {});
  const repo = "faults/img";
  skopeoPush(archive, `${reg.host}/${repo}:1`);
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/1`, { headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  const manifest = (await res.json()) as { layers: Array<{ digest: string }> };
  const layerGet = new RegExp(`/blobs/(${manifest.layers.map((l) => l.digest).join("|")})$`);
  return { dir, reg, img, repo, layerGet };
}

async function pull(d: Berthd, ref: string, timeoutMs = 180_000): Promise<{ code: number; out: string; ms: number }> {
  const t0 = Date.now();
  const r = await d.docker(["pull", ref], { timeoutMs });
  return { code: r.code, out: `${r.stdout}\n${r.stderr}`.trim(), ms: Date.now() - t0 };
}

async function inspectId(d: Berthd, ref: string): Promise<string> {
  const r = await d.docker(["image", "inspect", "-f", "{{.Id}}", ref]);
  return r.code === 0 ? r.stdout.trim() : "";
}

test("the fault proxy injects its faults (checked with plain fetch against docker-registry)", { timeout: 120_000 }, async (t) => {
  const fx = await fixture(t, 1, 2);
  const layerDigest = await (async () => {
    const m = (await (await fetch(`${fx.reg.url}/v2/${fx.repo}/manifests/1`, { headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" } })).json()) as {
      layers: Array<{ digest: string; size: number }>;
    };
    const l = m.layers[0];
    assert.ok(l);
    return l;
  })();
  const blobPath = `/v2/${fx.repo}/blobs/${layerDigest.digest}`;
  const p = await startFaultProxy(t, fx.reg.url, [
    { method: "GET", path: BLOB_GET, times: 2, fault: { kind: "status", status: 500 } },
    { method: "GET", path: /\/tags\/list/, fault: { kind: "status", status: 429, retryAfter: 7 } },
  ]);
  assert.equal((await fetch(p.url + blobPath)).status, 500);
  assert.equal((await fetch(p.url + blobPath)).status, 500);
  const ok = await fetch(p.url + blobPath);
  assert.equal(ok.status, 200);
  const body = Buffer.from(await ok.arrayBuffer());
  assert.equal(`sha256:${createHash("sha256").update(body).digest("hex")}`, layerDigest.digest, "pass-through must not alter bytes");
  const r429 = await fetch(`${p.url}/v2/${fx.repo}/tags/list`);
  assert.equal(r429.status, 429);
  assert.equal(r429.headers.get("retry-after"), "7");
  assert.equal(p.count(BLOB_GET, "GET"), 3);

  p.setPlan([{ method: "GET", path: BLOB_GET, fault: { kind: "drop", afterBytes: 100_000 } }]);
  const dropped = await fetch(p.url + blobPath);
  assert.equal(dropped.status, 200);
  await assert.rejects(dropped.arrayBuffer(), "a dropped body must fail to read");
  assert.equal(p.hits.at(-1)?.bytes, 100_000);

  p.setPlan([{ method: "GET", path: BLOB_GET, fault: { kind: "corrupt" } }]);
  const bad = Buffer.from(await (await fetch(p.url + blobPath)).arrayBuffer());
  assert.equal(bad.length, layerDigest.size);
  assert.notEqual(`sha256:${createHash("sha256").update(bad).digest("hex")}`, layerDigest.digest);

  p.setPlan([{ method: "GET", path: BLOB_GET, fault: { kind: "stall", ms: 1500 } }]);
  let t0 = Date.now();
  assert.equal((await fetch(p.url + blobPath)).status, 200);
  assert.ok(Date.now() - t0 >= 1400, "stall too short");

  p.setPlan([{ method: "GET", path: BLOB_GET, fault: { kind: "stall" } }]);
  t0 = Date.now();
  await assert.rejects(fetch(p.url + blobPath, { signal: AbortSignal.timeout(800) }));
  assert.ok(Date.now() - t0 >= 700);

  p.setPlan([{ method: "GET", path: BLOB_GET, fault: { kind: "throttle", bytesPerSec: 1_000_000 } }]);
  t0 = Date.now();
  const slow = Buffer.from(await (await fetch(p.url + blobPath)).arrayBuffer());
  assert.equal(slow.length, layerDigest.size);
  assert.ok(Date.now() - t0 >= 1500, `throttled 2 MB took only ${Date.now() - t0} ms`);
});

test("a connection dropped mid-blob is retried/resumed and the pull completes with the right image", { timeout: 300_000 }, async (t) => {
  const fx = await fixture(t);
  const p = await startFaultProxy(t, fx.reg.url, [{ method: "GET", path: fx.layerGet, times: 2, fault: { kind: "drop", afterBytes: 1_500_000 } }]);
  const d = await startBerthd(t);
  const r = await pull(d, `${p.host}/${fx.repo}:1`);
  t.diagnostic(`pull took ${r.ms} ms; blob GETs ${p.count(BLOB_GET, "GET")}; ranged: ${p.hits.filter((h) => h.fault === undefined && BLOB_GET.test(h.path)).length}`);
  assert.equal(r.code, 0, r.out);
  assert.equal(p.hits.filter((h) => h.fault === "drop").length, 2, "the drops were not injected");
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), fx.img.id);
  assert.deepEqual(storeState(d).ingest, []);
});

test("500 then 200 (and 429 with Retry-After) on manifests and blobs: the pull completes", { timeout: 300_000 }, async (t) => {
  const fx = await fixture(t);
  const p = await startFaultProxy(t, fx.reg.url, [
    { method: "GET", path: MANIFEST_GET, times: 1, fault: { kind: "status", status: 500 } },
    { method: "HEAD", path: MANIFEST_GET, times: 1, fault: { kind: "status", status: 500 } },
    { method: "GET", path: BLOB_GET, times: 2, fault: { kind: "status", status: 500 } },
  ]);
  const d = await startBerthd(t);
  let r = await pull(d, `${p.host}/${fx.repo}:1`);
  assert.equal(r.code, 0, r.out);
  assert.ok(p.hits.filter((h) => h.fault === "status").length >= 2, "no 500 was injected");
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), fx.img.id);

  // 429 with Retry-After: 1 on the first 3 blob GETs, into a fresh daemon (the first one keeps the blobs).
  const d2 = await startBerthd(t);
  p.setPlan([{ method: "GET", path: BLOB_GET, times: 3, fault: { kind: "status", status: 429, retryAfter: 1 } }]);
  r = await pull(d2, `${p.host}/${fx.repo}:1`);
  assert.equal(r.code, 0, r.out);
  assert.equal(p.hits.filter((h) => h.status === 429).length, 3, "the 429s were not injected");
  assert.equal(await inspectId(d2, `${p.host}/${fx.repo}:1`), fx.img.id);
  t.diagnostic(`429 pull took ${r.ms} ms`);
  assert.ok(r.ms >= 900, `Retry-After: 1 was not honoured (pull took ${r.ms} ms)`);
});

test("a stalled blob: the pull completes after the stall, or fails clearly, within a bounded time", { timeout: 400_000 }, async (t) => {
  const fx = await fixture(t);
  // A 3 s stall before the first blob answers: must complete.
  const p = await startFaultProxy(t, fx.reg.url, [{ method: "GET", path: BLOB_GET, times: 1, fault: { kind: "stall", ms: 3000 } }]);
  let d = await startBerthd(t);
  let r = await pull(d, `${p.host}/${fx.repo}:1`);
  assert.equal(r.code, 0, r.out);
  assert.equal(p.hits.filter((h) => h.fault === "stall").length, 1, "the stall was not injected");
  assert.ok(r.ms >= 2900, `the pull took ${r.ms} ms: it did not wait for the stalled blob`);
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), fx.img.id);

  // A blob body that stops after 1 MB and never continues (once): completes after berthd gives up on
  // that response and retries, or fails with a message — but does not hang. A fresh daemon, so the
  // blobs are fetched again.
  d = await startBerthd(t);
  const before = storeState(d);
  const idsBefore = await imageIds(d);
  const mark = p.hits.length;
  p.setPlan([{ method: "GET", path: fx.layerGet, times: 1, fault: { kind: "stall", afterBytes: 1_000_000 } }]);
  r = await pull(d, `${p.host}/${fx.repo}:1`, 330_000);
  assert.equal(p.hits.slice(mark).filter((h) => h.fault === "stall").length, 1, "the mid-body stall was not injected");
  t.diagnostic(`stalled-body pull: exit ${r.code} after ${r.ms} ms: ${r.out.split("\n").slice(-3).join(" | ")}`);
  t.diagnostic(`requests: ${JSON.stringify(p.hits.slice(mark))}`);
  assert.notEqual(r.code, 137, `the pull hung (killed after ${r.ms} ms)`);
  if (r.code === 0) assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), fx.img.id);
  else {
    assert.match(r.out, /\S/, "failed without a message");
    assert.equal(await imageIds(d), idsBefore, "a failed pull left an image");
    assertNothingStored(d, before, "stalled pull");
  }
});

test("a registry that always drops blobs: the pull fails clearly and nothing is stored", { timeout: 300_000 }, async (t) => {
  const fx = await fixture(t);
  const p = await startFaultProxy(t, fx.reg.url, [{ method: "GET", path: BLOB_GET, fault: { kind: "drop", afterBytes: 64 } }]);
  const d = await startBerthd(t);
  const before = storeState(d);
  const idsBefore = await imageIds(d);
  const r = await pull(d, `${p.host}/${fx.repo}:1`);
  t.diagnostic(`failed after ${r.ms} ms, ${p.count(BLOB_GET, "GET")} blob GETs: ${r.out}`);
  assert.notEqual(r.code, 0, "the pull succeeded through a proxy that drops every blob");
  assert.notEqual(r.code, 137, "the pull hung");
  assert.match(r.out, /error|fail|unexpected|EOF|reset|closed|retr/i, "no clear failure message");
  assert.equal(await imageIds(d), idsBefore, "`images` shows a new image after a failed pull");
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), "", "the failed pull is tagged");
  assertNothingStored(d, before, "always-drop pull");
});

test("a blob whose bytes do not match its digest is refused: nothing stored or tagged", { timeout: 300_000 }, async (t) => {
  const fx = await fixture(t, 2, 1);
  const p = await startFaultProxy(t, fx.reg.url, [{ method: "GET", path: BLOB_GET, fault: { kind: "corrupt", offset: 4096 } }]);
  const d = await startBerthd(t);
  const before = storeState(d);
  const idsBefore = await imageIds(d);
  const r = await pull(d, `${p.host}/${fx.repo}:1`);
  t.diagnostic(`corrupt pull: exit ${r.code}: ${r.out}`);
  assert.notEqual(r.code, 0, "a corrupted blob was accepted");
  assert.match(r.out, /digest|checksum|verif|mismatch|corrupt|invalid|gzip|header|deflate/i, "the failure does not say what is wrong");
  assert.equal(await imageIds(d), idsBefore, "`images` shows a new image after a refused pull");
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), "");
  assertNothingStored(d, before, "corrupt pull");

  // Only a layer corrupted (the config is fine, so the layer's streaming path is what must refuse it).
  p.setPlan([{ method: "GET", path: fx.layerGet, fault: { kind: "corrupt", offset: -1 } }]);
  const r2 = await pull(d, `${p.host}/${fx.repo}:1`);
  t.diagnostic(`corrupt-layer pull: exit ${r2.code}: ${r2.out}`);
  assert.ok(p.hits.some((h) => h.fault === "corrupt" && fx.layerGet.test(h.path)), "no layer was corrupted");
  assert.notEqual(r2.code, 0, "a corrupted layer was accepted");
  assert.match(r2.out, /digest|checksum|verif|mismatch|corrupt|invalid|gzip|header|deflate/i, "the failure does not say what is wrong");
  assert.equal(await imageIds(d), idsBefore, "`images` shows a new image after a refused layer");
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), "");
  const afterLayer = storeState(d);
  assert.deepEqual(afterLayer.ingest, [], "content/ingest not empty after the refused layer");
  assert.deepEqual(afterLayer.snapshots.filter((x) => !before.snapshots.includes(x)), [], "snapshots left after the refused layer");
  const strayLayers = afterLayer.blobs.filter((b) => !before.blobs.includes(b) && fx.layerGet.test(`/blobs/sha256:${b}`));
  assert.deepEqual(strayLayers, [], "a layer blob stayed after the refused pull");

  // And once the proxy behaves, the same pull works.
  p.setPlan([]);
  const ok = await pull(d, `${p.host}/${fx.repo}:1`);
  assert.equal(ok.code, 0, ok.out);
  assert.equal(await inspectId(d, `${p.host}/${fx.repo}:1`), fx.img.id);
});

test("kill -9 of berthd mid-pull: nothing half-pulled is visible after restart, and the next pull succeeds", { timeout: 400_000 }, async (t) => {
  const fx = await fixture(t, 3, 8);
  // 2 MB/s per blob: 24 MB takes several seconds, so the kill lands mid-transfer.
  const p = await startFaultProxy(t, fx.reg.url, [{ method: "GET", path: fx.layerGet, fault: { kind: "throttle", bytesPerSec: 2_000_000 } }]);
  const d = await startBerthd(t);
  const before = storeState(d);
  const idsBefore = await imageIds(d);
  const ref = `${p.host}/${fx.repo}:1`;
  const cli = spawn(DOCKER_CLI, ["pull", ref], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
  let cliOut = "";
  cli.stdout.on("data", (c: Buffer) => (cliOut += c.toString()));
  cli.stderr.on("data", (c: Buffer) => (cliOut += c.toString()));
  const cliDone = new Promise<void>((r) => cli.on("close", () => r()));
  t.after(() => {
    if (cli.exitCode === null && cli.signalCode === null) cli.kill("SIGKILL");
  });
  const bytesSent = (): number => p.hits.filter((h) => BLOB_GET.test(h.path)).reduce((n, h) => n + h.bytes, 0);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && bytesSent() < 6_000_000 && cli.exitCode === null) await sleep(50);
  const sent = bytesSent();
  await d.kill9();
  await cliDone;
  t.diagnostic(`killed after ${(sent / 1e6).toFixed(1)} MB of blobs were sent; the CLI said: ${cliOut.trim().split("\n").slice(-2).join(" | ")}`);
  assert.ok(sent >= 1_000_000, `berthd never fetched blob bytes before the deadline (CLI: ${cliOut})`);
  assert.doesNotMatch(cliOut, /Status: Downloaded newer image/, "the pull finished before the kill: the test proved nothing");

  await d.restart();
  assert.equal(await imageIds(d), idsBefore, "a half-pulled image is listed after the restart");
  assert.equal(await inspectId(d, ref), "", "the half-pulled image can be inspected");
  assert.deepEqual(storeState(d).ingest, [], "content/ingest leftovers after the restart");
  const pr = await d.docker(["image", "prune", "-a", "-f"]);
  assert.equal(pr.code, 0, pr.stderr);
  assertNothingStored(d, before, "after kill -9 and prune");

  p.setPlan([]);
  const again = await pull(d, ref);
  assert.equal(again.code, 0, again.out);
  assert.equal(await inspectId(d, ref), fx.img.id);
});
