/**
 * `build --cache-from` (docker's classic builder) against berthd, with `berth build` and with the
 * docker CLI's legacy path (DOCKER_BUILDKIT=0): an image built, saved, and loaded into a daemon with
 * no build cache and no other image but the base stands for every step of the same Dockerfile (the
 * result is that image, no RUN runs); a changed late-copied file misses from that step on; a
 * --cache-from image that is not here is skipped, never pulled.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

const fx = mkdtempSync("/tmp/berth-cache-from-fx-");
const ld = loadedDaemon();
after(() => rmSync(fx, { recursive: true, force: true }));

const DOCKERFILE = [
  "FROM busybox",
  "RUN date +%s%N > /stamp && echo RUN-EXECUTED-1",
  "COPY early.txt /early.txt",
  "ENV GREETING=hello",
  "WORKDIR /app",
  "RUN echo RUN-EXECUTED-2 && cat /early.txt > /app/copied",
  "COPY late.txt /app/late.txt",
  "RUN echo RUN-EXECUTED-3 && wc -c < /app/late.txt > /app/late.size",
  'CMD ["cat", "/stamp"]',
  "",
].join("\n");
const STEPS = 9;

function context(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(fx, "ctx-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "Dockerfile"), DOCKERFILE);
  writeFileSync(path.join(dir, "early.txt"), "early\n");
  writeFileSync(path.join(dir, "late.txt"), "late\n");
  return dir;
}

type Client = "berth" | "docker";

async function build(client: Client, args: string[], dir: string): Promise<string> {
  const r = client === "berth" ? await ld.d.berth(["build", ...args, dir], { timeoutMs: 120_000 }) : await ld.d.docker(["build", ...args, dir], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${client} build ${args.join(" ")}: ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

async function ok(args: string[]): Promise<string> {
  const r = await ld.d.docker(args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

const imageId = (ref: string): Promise<string> => ok(["image", "inspect", "-f", "{{.Id}}", ref]);
const layersOf = async (ref: string): Promise<string[]> => JSON.parse(await ok(["image", "inspect", "-f", "{{json .RootFS.Layers}}", ref])) as string[];
const usingCache = (out: string): number => out.split("\n").filter((l) => l === " ---> Using cache").length;
const runsIn = (out: string): number => out.split("\n").filter((l) => l.startsWith(" ---> Running in ")).length;

/** The daemon as after `save`, `builder prune -af`, `rmi` of everything, `load` of the base and the saved image. */
async function wipeAndLoad(saved: string): Promise<void> {
  await ok(["builder", "prune", "-af"]);
  // parents go once their children are gone (rmi refuses an image with children, as docker does)
  for (let round = 0; round < 20; round++) {
    const ids = (await ok(["images", "-aq"])).split("\n").filter((l) => l !== "");
    if (ids.length === 0) break;
    await ld.d.docker(["rmi", "-f", ...new Set(ids)]);
  }
  assert.equal(await ok(["images", "-aq"]), "", "images left after rmi");
  await ok(["load", "-q", "-i", ld.archive]);
  await ok(["load", "-q", "-i", saved]);
}

/** Now as docker's `--since`/`--until` take it (unix seconds with a fraction). */
const now = (): string => (Date.now() / 1000).toFixed(3);

/** Container events between two times. */
async function containerEvents(since: string, until: string): Promise<string[]> {
  const out = await ok(["events", "--since", since, "--until", until, "--filter", "type=container", "--format", "{{.Action}}"]);
  return out.split("\n").filter((l) => l !== "");
}

async function roundTrip(t: { after(fn: () => void): void }, client: Client, tag: string): Promise<void> {
  await ok(["load", "-q", "-i", ld.archive]);
  await ok(["builder", "prune", "-af"]);
  const dir = context(t);
  const first = await build(client, ["-t", `${tag}:a`], dir);
  assert.equal(runsIn(first), 3, first);
  const idA = await imageId(`${tag}:a`);
  const layersA = await layersOf(`${tag}:a`);
  const stampA = await ok(["run", "--rm", `${tag}:a`]);
  // before the wipe, the local step cache's images are the source's ancestors: they count
  const local = await build(client, ["--cache-from", `${tag}:a`, "-t", `${tag}:local`], dir);
  assert.equal(usingCache(local), STEPS - 1, local);
  assert.equal(await imageId(`${tag}:local`), idA);
  const saved = path.join(fx, `${tag}.tar`);
  t.after(() => rmSync(saved, { force: true }));
  await ok(["save", "-o", saved, `${tag}:a`]);
  await wipeAndLoad(saved);

  // the same Dockerfile and context: every step stands on the loaded image, nothing runs
  const t0 = now();
  const again = await build(client, ["--cache-from", `${tag}:a`, "-t", `${tag}:b`], dir);
  const t1 = now();
  assert.equal(usingCache(again), STEPS - 1, again);
  assert.equal(runsIn(again), 0, again);
  assert.doesNotMatch(again, /^RUN-EXECUTED/m);
  assert.equal(await imageId(`${tag}:b`), idA, "the result is the cache-from image itself");
  assert.equal(await ok(["run", "--rm", `${tag}:b`]), stampA);
  assert.deepEqual(await containerEvents(t0, t1), [], "no container was made by the build");

  // without --cache-from the (empty) local cache is used as before: the steps run
  const t2 = now();
  const plain = await build(client, ["-t", `${tag}:plain`], dir);
  assert.equal(runsIn(plain), 3, plain);
  assert.equal((await containerEvents(t2, now())).filter((a) => a === "create").length, 3, "the RUN containers show as events");
  assert.notEqual(await imageId(`${tag}:plain`), idA);

  // a changed late-copied file: the steps before it still stand on the source, from it on they run
  writeFileSync(path.join(dir, "late.txt"), "changed late file\n");
  const changed = await build(client, ["--cache-from", `${tag}:a`, "-t", `${tag}:c`], dir);
  assert.equal(usingCache(changed), 5, changed);
  assert.equal(runsIn(changed), 1, changed);
  assert.match(changed, /^RUN-EXECUTED-3$/m);
  assert.doesNotMatch(changed, /^RUN-EXECUTED-[12]$/m);
  assert.match(changed, /Step 7\/9 : COPY late\.txt \/app\/late\.txt\n(?! ---> Using cache)/);
  const layersC = await layersOf(`${tag}:c`);
  // the last two layers are COPY late.txt's and the last RUN's
  const kept = layersA.length - 2;
  assert.deepEqual(layersC.slice(0, kept), layersA.slice(0, kept), "the layers before the changed file are the source's");
  assert.notDeepEqual(layersC.slice(kept), layersA.slice(kept));
  assert.equal(await ok(["run", "--rm", `${tag}:c`, "cat", "/app/late.size"]), "18");
  assert.equal(await ok(["run", "--rm", `${tag}:c`]), stampA, "the first RUN's layer is the source's");
}

test("berth build --cache-from: save, prune, rmi, load, rebuild: all cached, the same image; a changed late file misses from there", async (t) => {
  await roundTrip(t, "berth", "cfberth");
});

test("docker build --cache-from (DOCKER_BUILDKIT=0) against berthd does the same", async (t) => {
  await roundTrip(t, "docker", "cfdocker");
});

test("a --cache-from image that is not here is skipped (never pulled); repeats and comma lists both count", async (t) => {
  await ok(["load", "-q", "-i", ld.archive]);
  const dir = context(t);
  await build("berth", ["-t", "cfmiss:a"], dir);
  const idA = await imageId("cfmiss:a");
  const saved = path.join(fx, "cfmiss.tar");
  t.after(() => rmSync(saved, { force: true }));
  await ok(["save", "-o", saved, "cfmiss:a"]);
  await wipeAndLoad(saved);

  const missing = "registry.invalid/nosuch/img:1";
  const both = await build("berth", ["--cache-from", missing, "--cache-from", "cfmiss:a", "-t", "cfmiss:b"], dir);
  assert.equal(usingCache(both), STEPS - 1, both);
  assert.equal(await imageId("cfmiss:b"), idA);
  const comma = await build("berth", ["--cache-from", `${missing},cfmiss:a`, "-t", "cfmiss:c"], dir);
  assert.equal(usingCache(comma), STEPS - 1, comma);
  const dk = await build("docker", ["--cache-from", missing, "--cache-from", "cfmiss:a", "-t", "cfmiss:d"], dir);
  assert.equal(usingCache(dk), STEPS - 1, dk);
  assert.equal(await imageId("cfmiss:d"), idA);

  // --no-cache wins over --cache-from
  const noCache = await build("berth", ["--no-cache", "--cache-from", "cfmiss:a", "-t", "cfmiss:f"], dir);
  assert.equal(usingCache(noCache), 0, noCache);
  assert.equal(runsIn(noCache), 3, noCache);

  // only missing sources: as docker, the build runs (no source to take steps from) and pulls nothing
  const only = await build("berth", ["--cache-from", missing, "-t", "cfmiss:e"], dir);
  assert.equal(runsIn(only), 3, only);
  assert.doesNotMatch(only, /Pulling|pull/i);
  assert.equal((await ld.d.docker(["image", "inspect", missing])).code, 1);
  assert.match(ld.d.log(), /Could not look up registry\.invalid\/nosuch\/img:1 for cache resolution, skipping/);
});
