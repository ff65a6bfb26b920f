/**
 * Archives move between berth, skopeo and Docker: berth's `save` is read by skopeo; OCI archives,
 * OCI layouts and docker-archives written by skopeo load into berth with the same image ID and layer
 * digests; the docker-archive written by Docker itself (test/fixtures/docker-saved.tar) loads as
 * Docker described it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { DOCKER_SAVED } from "../fixtures/docker-saved.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";
import { run } from "../helpers/run.js";

interface TC {
  after(fn: () => void | Promise<void>): void;
}

function scratch(t: TC): string {
  const dir = mkdtempSync("/tmp/berth-interop-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function skopeo(args: string[]): Promise<string> {
  const r = await run("skopeo", ["--insecure-policy", ...args]);
  assert.equal(r.code, 0, `skopeo ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function ok(d: Berthd, args: string[]): Promise<string> {
  const r = await d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function inspectIdLayers(d: Berthd, ref: string): Promise<{ id: string; layers: string[] }> {
  const out = await ok(d, ["image", "inspect", "-f", "{{.Id}} {{json .RootFS.Layers}}", ref]);
  const [id = "", layers = "[]"] = out.trim().split(" ");
  return { id, layers: JSON.parse(layers) as string[] };
}

const sha = (b: Buffer | string): string => "sha256:" + createHash("sha256").update(b).digest("hex");

test("berth save is read by skopeo (inspect, config digest = image ID, copy to an OCI layout)", async (t) => {
  const dir = scratch(t);
  const d = await startBerthd(t);
  const fx = makeBusyboxArchive(path.join(dir, "in.tar"), { tag: "busybox:latest" });
  await ok(d, ["load", "-i", path.join(dir, "in.tar")]);
  await ok(d, ["tag", "busybox", "example.com/interop/bb:v2"]);
  const saved = path.join(dir, "saved.tar");
  await ok(d, ["save", "-o", saved, "busybox", "example.com/interop/bb:v2"]);

  const info = JSON.parse(await skopeo(["inspect", `docker-archive:${saved}:busybox:latest`])) as { Layers: string[]; Os: string; Architecture: string };
  assert.deepEqual(info.Layers, fx.diffIds);
  assert.equal(info.Os, "linux");
  assert.equal(info.Architecture, "amd64");
  const rawConfig = await skopeo(["inspect", "--config", "--raw", `docker-archive:${saved}:example.com/interop/bb:v2`]);
  assert.equal(sha(rawConfig), fx.id, "the config skopeo reads is not the image's config");

  await skopeo(["copy", `docker-archive:${saved}:busybox:latest`, `oci:${path.join(dir, "layout")}:busybox`]);
  const index = JSON.parse(readFileSync(path.join(dir, "layout", "index.json"), "utf8")) as { manifests: unknown[] };
  assert.equal(index.manifests.length, 1);
});

test("skopeo-written OCI archive, OCI layout tar and docker-archive load with the same ID and layers", async (t) => {
  const dir = scratch(t);
  const d = await startBerthd(t);
  const src = path.join(dir, "busybox.tar");
  const fx = makeBusyboxArchive(src, { tag: "busybox:latest" });

  const ociArchive = path.join(dir, "oci-archive.tar");
  await skopeo(["copy", `docker-archive:${src}`, `oci-archive:${ociArchive}:busybox:latest`]);
  // Converting to OCI, skopeo rewrites the config as an OCI config, so the image ID is the digest of the
  // config skopeo wrote (Docker's containerd store would give the same), and the layers are unchanged.
  const ociId = (JSON.parse(await skopeo(["inspect", "--raw", `oci-archive:${ociArchive}`])) as { config: { digest: string } }).config.digest;
  const r1 = await d.berth(["load", "-i", ociArchive]);
  assert.equal(r1.code, 0, r1.stderr);
  const ids1 = (await ok(d, ["images", "-a", "--no-trunc", "-q"])).trim().split("\n");
  assert.deepEqual([...new Set(ids1)], [ociId], `load of skopeo's oci-archive: ${r1.stdout}`);
  assert.deepEqual((await inspectIdLayers(d, ociId)).layers, fx.diffIds);
  await ok(d, ["rmi", "-f", ociId]);

  const layoutDir = path.join(dir, "layout");
  await skopeo(["copy", `docker-archive:${src}`, `oci:${layoutDir}:latest`]);
  const layoutTar = path.join(dir, "layout.tar");
  const tr = await run("tar", ["-C", layoutDir, "-cf", layoutTar, "."]);
  assert.equal(tr.code, 0, tr.stderr);
  const layoutId = (JSON.parse(await skopeo(["inspect", "--raw", `oci:${layoutDir}:latest`])) as { config: { digest: string } }).config.digest;
  const r2 = await d.berth(["load", "-i", layoutTar]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(await inspectIdLayers(d, layoutId), { id: layoutId, layers: fx.diffIds });
  await ok(d, ["rmi", "-f", layoutId]);

  const legacy = path.join(dir, "skopeo-docker-archive.tar");
  await skopeo(["copy", `docker-archive:${src}`, `docker-archive:${legacy}:example.com/skopeo/bb:1`]);
  const r3 = await d.berth(["load", "-i", legacy]);
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stdout, /Loaded image: example\.com\/skopeo\/bb:1/);
  assert.deepEqual(await inspectIdLayers(d, "example.com/skopeo/bb:1"), { id: fx.id, layers: fx.diffIds });
});

test("the docker-archive written by Docker 20.10 loads with Docker's ID, tags and config", async (t) => {
  const dir = scratch(t);
  const d = await startBerthd(t);
  const r = await d.berth(["load", "-i", DOCKER_SAVED.file]);
  assert.equal(r.code, 0, r.stderr);
  for (const tag of DOCKER_SAVED.tags) assert.match(r.stdout, new RegExp(`Loaded image: ${tag.replace(/[.]/g, "\\.")}`));
  const got = await inspectIdLayers(d, DOCKER_SAVED.tags[0]);
  assert.deepEqual(got, { id: DOCKER_SAVED.id, layers: [...DOCKER_SAVED.diffIds] });
  const fmt = "{{.Comment}}|{{.Size}}|{{json .Config.Env}}|{{json .Config.Cmd}}|{{json .Config.Labels}}|{{json .RepoTags}}";
  assert.equal(
    (await ok(d, ["image", "inspect", "-f", fmt, DOCKER_SAVED.id])).trim(),
    `${DOCKER_SAVED.comment}|${DOCKER_SAVED.size}|["GREETING=hello"]|["/bin/sh"]|{"org.berth.fixture":"docker-saved"}|${JSON.stringify(DOCKER_SAVED.tags)}`,
  );
  // Saved again by berth, skopeo still sees Docker's layer.
  const again = path.join(dir, "again.tar");
  await ok(d, ["save", "-o", again, DOCKER_SAVED.tags[1]]);
  const info = JSON.parse(await skopeo(["inspect", `docker-archive:${again}`])) as { Layers: string[] };
  assert.deepEqual(info.Layers, [...DOCKER_SAVED.diffIds]);
  assert.ok(existsSync(again));
});
