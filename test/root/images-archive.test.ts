import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, createWriteStream } from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { ctx, makeEnv, busyboxTar, fileStream, tmp, blobs, drain, type Env } from "./images-env.js";

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

async function importBusybox(env: Env, dir: string, repo = "busybox"): Promise<string> {
  return env.images.import(fileStream(busyboxTar(dir)), { repo, tag: "latest", changes: ['CMD ["sh"]'] }, () => undefined, ctx);
}

async function saveTo(env: Env, names: string[], file: string): Promise<void> {
  await pipeline(await env.images.save(names, ctx), createWriteStream(file));
}

function untar(file: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-C", dir, "-xf", file]);
}

function tarDir(dir: string, out: string): void {
  execFileSync("tar", ["--sort=name", "-C", dir, "-cf", out, "."]);
}

test("save writes the Docker 25+ layout; load round trip keeps IDs; save is deterministic", async (t) => {
  const env = makeEnv();
  const fx = tmp();
  let env2: Env | undefined;
  t.after(async () => {
    await env.close();
    await env2?.close();
    fx.cleanup();
  });
  const id = await importBusybox(env, fx.dir);
  const file = path.join(fx.dir, "save.tar");
  await saveTo(env, ["busybox"], file);
  const again = await drain(await env.images.save(["busybox:latest"], ctx));
  assert.equal(sha(again), sha(readFileSync(file)), "same images → same bytes");
  const names = execFileSync("tar", ["-tf", file]).toString().trim().split("\n");
  assert.deepEqual(names.filter((n) => !n.startsWith("blobs/sha256/") || n === "blobs/sha256/"), [
    "blobs/",
    "blobs/sha256/",
    "index.json",
    "manifest.json",
    "oci-layout",
    "repositories",
  ]);
  const x = path.join(fx.dir, "x");
  untar(file, x);
  const manifest = JSON.parse(readFileSync(path.join(x, "manifest.json"), "utf8")) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  assert.equal(manifest[0]?.Config, `blobs/sha256/${id.slice(7)}`);
  assert.deepEqual(manifest[0]?.RepoTags, ["busybox:latest"]);
  for (const l of manifest[0]?.Layers ?? []) assert.equal(`blobs/sha256/${sha(readFileSync(path.join(x, l)))}`, l);
  const index = JSON.parse(readFileSync(path.join(x, "index.json"), "utf8")) as { manifests: { annotations: Record<string, string> }[] };
  assert.deepEqual(index.manifests[0]?.annotations, {
    "io.containerd.image.name": "docker.io/library/busybox:latest",
    "org.opencontainers.image.ref.name": "latest",
  });
  assert.ok(env.events.some((e) => e.action === "save" && e.id === id));

  env2 = makeEnv();
  const lines: unknown[] = [];
  await env2.images.load(fileStream(file), { quiet: false }, (m) => lines.push(m), ctx);
  assert.deepEqual([...lines], [{ stream: "Loaded image: busybox:latest\n" }]);
  assert.equal((await env2.images.inspect("busybox", ctx)).Id, id);
  assert.ok(env2.events.some((e) => e.action === "load" && e.id === id));
  // Loading again over a different image moves the tag with docker's message.
  const other = await env2.images.import(fileStream(busyboxTar(fx.dir, { "f": "x" })), { repo: "busybox", changes: [] }, () => undefined, ctx);
  lines.length = 0;
  await env2.images.load(fileStream(file), { quiet: true }, (m) => lines.push(m), ctx);
  assert.deepEqual([...lines], [
    { stream: `The image busybox:latest already exists, renaming the old one with ID ${other} to empty string\n` },
    { stream: "Loaded image: busybox:latest\n" },
  ]);
  // Saved again from the second root: identical archive.
  assert.equal(sha(await drain(await env2.images.save(["busybox:latest"], ctx))), sha(readFileSync(file)));
});

test("loads a hand-made legacy docker-archive and an OCI archive made by skopeo", async (t) => {
  const env = makeEnv();
  const fx = tmp();
  let env2: Env | undefined;
  t.after(async () => {
    await env.close();
    await env2?.close();
    fx.cleanup();
  });
  const layer = busyboxTar(fx.dir);
  const diffId = `sha256:${sha(readFileSync(layer))}`;
  const config = JSON.stringify({
    architecture: "amd64",
    config: { Cmd: ["sh"] },
    created: "2024-01-01T00:00:00Z",
    history: [{ created: "2024-01-01T00:00:00Z", created_by: "hand" }],
    os: "linux",
    rootfs: { type: "layers", diff_ids: [diffId] },
  });
  const id = `sha256:${sha(config)}`;
  const legacy = path.join(fx.dir, "legacy");
  const v1 = sha("v1-layer");
  mkdirSync(path.join(legacy, v1), { recursive: true });
  copyFileSync(layer, path.join(legacy, v1, "layer.tar"));
  writeFileSync(path.join(legacy, v1, "VERSION"), "1.0");
  writeFileSync(path.join(legacy, v1, "json"), JSON.stringify({ id: v1 }));
  writeFileSync(path.join(legacy, `${id.slice(7)}.json`), config);
  writeFileSync(
    path.join(legacy, "manifest.json"),
    JSON.stringify([{ Config: `${id.slice(7)}.json`, RepoTags: ["legacy:1"], Layers: [`${v1}/layer.tar`] }]),
  );
  writeFileSync(path.join(legacy, "repositories"), JSON.stringify({ legacy: { "1": v1 } }));
  const legacyTar = path.join(fx.dir, "legacy.tar");
  tarDir(legacy, legacyTar);
  const lines: unknown[] = [];
  await env.images.load(fileStream(legacyTar), { quiet: false }, (m) => lines.push(m), ctx);
  assert.deepEqual([...lines], [{ stream: "Loaded image: legacy:1\n" }]);
  const ins = await env.images.inspect("legacy:1", ctx);
  assert.equal(ins.Id, id);
  assert.equal(ins.Created, "2024-01-01T00:00:00Z");
  const hist = await env.images.history("legacy:1", ctx);
  assert.equal(hist[0]?.CreatedBy, "hand");

  // skopeo: docker-archive (our save) → oci-archive with gzip layers → load into a fresh root.
  const saved = path.join(fx.dir, "saved.tar");
  await saveTo(env, ["legacy:1"], saved);
  const oci = path.join(fx.dir, "oci.tar");
  execFileSync("skopeo", [
    "--insecure-policy",
    "copy",
    "--dest-compress",
    "--dest-compress-format",
    "gzip",
    `docker-archive:${saved}`,
    `oci-archive:${oci}:legacy:1`,
  ]);
  env2 = makeEnv();
  lines.length = 0;
  await env2.images.load(fileStream(oci), { quiet: false }, (m) => lines.push(m), ctx);
  assert.deepEqual([...lines], [{ stream: "Loaded image: legacy:1\n" }]);
  const ins2 = await env2.images.inspect("legacy:1", ctx);
  assert.deepEqual(ins2.RootFS.Layers, [diffId]);
  // The layer is kept uncompressed (save is a straight copy), the gzip blob is collected.
  await env2.images.gc();
  assert.ok((await blobs(env2)).includes(diffId));
  const resaved = await drain(await env2.images.save([ins2.Id], ctx));
  assert.ok(resaved.length > 1_900_000);
});

test("rejects wrong digests and wrong diffIDs, leaving nothing behind", async (t) => {
  const env = makeEnv();
  const fx = tmp();
  let env2: Env | undefined;
  t.after(async () => {
    await env.close();
    await env2?.close();
    fx.cleanup();
  });
  const id = await importBusybox(env, fx.dir);
  const saved = path.join(fx.dir, "saved.tar");
  await saveTo(env, ["busybox"], saved);
  const x = path.join(fx.dir, "x");
  untar(saved, x);
  const manifest = JSON.parse(readFileSync(path.join(x, "manifest.json"), "utf8")) as { Layers: string[] }[];
  const layerPath = path.join(x, manifest[0]?.Layers[0] ?? "");
  const good = readFileSync(layerPath);

  // 1. A blob whose bytes do not match its name.
  const corrupt = Buffer.from(good);
  corrupt[corrupt.length - 2000] = (corrupt[corrupt.length - 2000] ?? 0) ^ 0xff;
  writeFileSync(layerPath, corrupt);
  const bad1 = path.join(fx.dir, "bad1.tar");
  tarDir(x, bad1);
  env2 = makeEnv();
  await assert.rejects(env2.images.load(fileStream(bad1), { quiet: false }, () => undefined, ctx), (err: Error) => {
    assert.equal((err as { kind?: string }).kind, "invalid-argument");
    assert.match(err.message, /does not match its digest/);
    return true;
  });
  assert.equal((await env2.images.list({ all: true, filters: {}, digests: false, sharedSize: false }, ctx)).length, 0);
  await env2.images.gc();
  assert.deepEqual(await blobs(env2), []);
  assert.deepEqual(await env2.snapshotter.list(), []);

  // 2. A legacy archive whose layer does not match the config's diffID.
  writeFileSync(layerPath, good);
  const legacy = path.join(fx.dir, "legacy");
  mkdirSync(path.join(legacy, "l1"), { recursive: true });
  const tampered = busyboxTar(fx.dir, { "etc/evil": "1" });
  copyFileSync(tampered, path.join(legacy, "l1", "layer.tar"));
  const cfg = readFileSync(path.join(x, "blobs/sha256", id.slice(7)));
  writeFileSync(path.join(legacy, "cfg.json"), cfg);
  writeFileSync(path.join(legacy, "manifest.json"), JSON.stringify([{ Config: "cfg.json", RepoTags: ["evil:1"], Layers: ["l1/layer.tar"] }]));
  const bad2 = path.join(fx.dir, "bad2.tar");
  tarDir(legacy, bad2);
  await assert.rejects(env2.images.load(fileStream(bad2), { quiet: false }, () => undefined, ctx), /diffID mismatch/);
  await assert.rejects(env2.images.inspect("evil:1", ctx), /No such image/);
  await env2.images.gc();
  assert.deepEqual(await blobs(env2), []);
  assert.deepEqual(await env2.snapshotter.list(), []);

  // 3. Not an image archive at all.
  await assert.rejects(env2.images.load(fileStream(busyboxTar(fx.dir)), { quiet: false }, () => undefined, ctx), /no manifest.json or index.json/);
});
