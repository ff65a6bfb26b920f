import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { gzipSync } from "node:zlib";
import type { JSONMessage } from "../api/types/index.js";
import { encodeHeader } from "../archive/tar-format.js";
import { LocalContentStore } from "../content/index.js";
import { DigestMismatchError, NotFoundError } from "../errdefs/index.js";
import { MediaTypes, digestOf, type Descriptor } from "../oci/index.js";
import type { AuthConfig, BlobPushResult, FetchedManifest, RegistryClient, Repository, RepositoryRef } from "../registry/client/types.js";
import { NativeSnapshotter, OverlaySnapshotter } from "../snapshots/index.js";
import { StateDb } from "../state/index.js";
import { Logger } from "../util/log.js";
import { DistributionStore } from "./distribution-store.js";
import { ImageService } from "./image-service.js";
import { maxConcurrentDownloads } from "./pull-layers.js";
import { humanSize, progressBar } from "./transfer-progress.js";

const ctx = () => ({ apiVersion: "1.44", signal: new AbortController().signal });

function tarOf(files: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
    parts.push(
      encodeHeader({
        name: Buffer.from(name),
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        mtime: 0,
        typeflag: 0x30,
        linkname: Buffer.alloc(0),
        uname: Buffer.alloc(0),
        gname: Buffer.alloc(0),
        devmajor: 0,
        devminor: 0,
      }),
      body,
      Buffer.alloc((512 - (body.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** An in-memory registry behind the RegistryClient contract, with counters. */
class FakeRegistry implements RegistryClient {
  blobs = new Map<string, Buffer>();
  manifests = new Map<string, { bytes: Buffer; mediaType: string }>(); // "repo:ref" → manifest
  fetches = new Map<string, number>();
  inflight = 0;
  maxInflight = 0;
  delayMs = 0;
  /** Per-blob delays (ms) before each half of the body. */
  slow = new Map<string, number>();
  /** Digests served with wrong bytes (the client detects it at the end, as the real one does). */
  corrupt = new Set<string>();
  pushes: { repo: string; digest: string; result: BlobPushResult; mountFrom?: readonly string[] }[] = [];
  closed = false;

  addImage(repo: string, tag: string, layers: Buffer[], opts: { gzip?: boolean; diffIdLie?: boolean } = {}) {
    const blobs = layers.map((l) => (opts.gzip === false ? l : gzipSync(l)));
    const diffIds = layers.map((l) => digestOf(opts.diffIdLie ? Buffer.concat([l, Buffer.from("x")]) : l));
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Env: ["A=1"] }, rootfs: { type: "layers", diff_ids: diffIds }, history: [] }));
    this.blobs.set(digestOf(config), config);
    for (const b of blobs) this.blobs.set(digestOf(b), b);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.dockerManifest,
        config: { mediaType: MediaTypes.dockerConfig, size: config.length, digest: digestOf(config) },
        layers: blobs.map((b) => ({ mediaType: opts.gzip === false ? MediaTypes.dockerLayer : MediaTypes.dockerLayerGzip, size: b.length, digest: digestOf(b) })),
      }),
    );
    this.putManifestRaw(repo, tag, manifest, MediaTypes.dockerManifest);
    return { id: digestOf(config), manifestDigest: digestOf(manifest), layerDigests: blobs.map((b) => digestOf(b)) };
  }

  putManifestRaw(repo: string, ref: string, bytes: Buffer, mediaType: string): string {
    const d = digestOf(bytes);
    this.manifests.set(`${repo}:${ref}`, { bytes, mediaType });
    this.manifests.set(`${repo}:${d}`, { bytes, mediaType });
    return d;
  }

  repository(ref: RepositoryRef, _auth: AuthConfig | undefined, _actions: "pull" | "pull,push"): Repository {
    const reg = this;
    const repoKey = ref.path;
    const repo: Repository = {
      ref,
      async getManifest(reference): Promise<FetchedManifest> {
        const m = reg.manifests.get(`${repoKey}:${reference}`);
        if (!m) throw new NotFoundError("manifest unknown: manifest unknown");
        return { descriptor: { mediaType: m.mediaType, digest: digestOf(m.bytes), size: m.bytes.length }, bytes: m.bytes };
      },
      async headManifest(reference) {
        const m = reg.manifests.get(`${repoKey}:${reference}`);
        return m ? { mediaType: m.mediaType, digest: digestOf(m.bytes), size: m.bytes.length } : undefined;
      },
      async *fetchBlob(desc: Descriptor) {
        reg.fetches.set(desc.digest, (reg.fetches.get(desc.digest) ?? 0) + 1);
        const b = reg.blobs.get(desc.digest);
        if (!b) throw new NotFoundError("blob unknown: blob unknown to registry");
        reg.inflight++;
        reg.maxInflight = Math.max(reg.maxInflight, reg.inflight);
        try {
          const data = reg.corrupt.has(desc.digest) ? Buffer.from(b).fill(7, 0, Math.min(8, b.length)) : b;
          const half = Math.ceil(data.length / 2);
          const delay = reg.slow.get(desc.digest) ?? reg.delayMs;
          await new Promise((r) => setTimeout(r, delay));
          yield data.subarray(0, half);
          await new Promise((r) => setTimeout(r, delay));
          if (digestOf(data) !== desc.digest) throw new DigestMismatchError(desc.digest, digestOf(data));
          yield data.subarray(half);
        } finally {
          reg.inflight--;
        }
      },
      async hasBlob(digest) {
        return reg.blobs.has(digest);
      },
      async pushBlob(desc, open, opts) {
        let result: BlobPushResult;
        if (reg.blobs.has(desc.digest)) result = opts?.mountFrom?.length ? "mounted" : "exists";
        else {
          const parts: Buffer[] = [];
          for await (const c of await open(0)) parts.push(Buffer.from(c));
          const b = Buffer.concat(parts);
          assert.equal(digestOf(b), desc.digest, "pushed bytes match the descriptor");
          assert.equal(b.length, desc.size);
          opts?.onProgress?.(b.length);
          reg.blobs.set(desc.digest, b);
          result = "pushed";
        }
        reg.pushes.push({ repo: repoKey, digest: desc.digest, result, ...(opts?.mountFrom ? { mountFrom: opts.mountFrom } : {}) });
        return result;
      },
      async putManifest(reference, mediaType, bytes) {
        return reg.putManifestRaw(repoKey, reference, bytes, mediaType);
      },
      async listTags() {
        const tags: string[] = [];
        for (const k of reg.manifests.keys()) if (k.startsWith(`${repoKey}:`) && !k.slice(repoKey.length + 1).startsWith("sha256:")) tags.push(k.slice(repoKey.length + 1));
        return tags;
      },
    };
    return repo;
  }

  async login(_host: string, auth: AuthConfig) {
    if (auth.password !== "right") throw new (await import("../errdefs/index.js")).UnauthorizedError("unauthorized: incorrect username or password");
    return { status: "Login Succeeded" };
  }

  async close() {
    this.closed = true;
  }
}

async function setup(t: TestContext, kind: "native" | "overlay" = "native") {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-dist-"));
  const state = StateDb.open(dir);
  const content = new LocalContentStore(path.join(dir, "content"));
  const snapshotter =
    kind === "native" ? new NativeSnapshotter({ root: path.join(dir, "snapshots"), state }) : new OverlaySnapshotter({ root: path.join(dir, "overlayfs"), state });
  const events: string[] = [];
  const images = new ImageService({
    state,
    content,
    snapshotter,
    log: Logger.create("error", () => undefined),
    platform: { os: "linux", architecture: "amd64" },
    emit: (_type, action, id) => events.push(`${action} ${id}`),
  });
  const reg = new FakeRegistry();
  let made = 0;
  images.setRegistryClient(async () => {
    made++;
    return reg;
  });
  t.after(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { images, reg, state, content, snapshotter, events, clients: () => made };
}

async function pull(images: ImageService, name: string, tag?: string, extra: { platform?: string } = {}): Promise<JSONMessage[]> {
  const msgs: JSONMessage[] = [];
  // the docker CLI always sends a tag (latest by default); no tag at all means every tag (pull -a)
  const t = tag ?? (/[:@][^/]*$/.test(name.replace(/^[^/]*\//, "")) ? undefined : "latest");
  await images.pull({ name, ...(t ? { tag: t } : {}), ...extra }, (m) => msgs.push(m), ctx());
  return msgs;
}

const statuses = (msgs: JSONMessage[]) => msgs.map((m) => (m.id ? `${m.id}: ${m.status ?? ""}` : (m.status ?? "")));

test("humanSize and progressBar follow docker's formatting", () => {
  assert.equal(humanSize(0), "0B");
  assert.equal(humanSize(772999), "773kB");
  assert.equal(humanSize(1234567), "1.235MB");
  assert.equal(progressBar(50, 100), `[${"=".repeat(25)}>${" ".repeat(25)}]      50B/100B`);
  assert.equal(progressBar(100, 100).startsWith(`[${"=".repeat(50)}>]`), true);
});

test("pull: stores the image, tag and repo digest, with docker's progress; a second pull is up to date", async (t) => {
  const { images, reg, content, events } = await setup(t);
  const img = reg.addImage("library/bb", "1", [tarOf({ "a.txt": "one" }), tarOf({ "b.txt": "two" })]);
  const msgs = await pull(images, "127.0.0.1:5000/library/bb", "1");
  const s = statuses(msgs);
  const l0 = img.layerDigests[0]?.slice(7, 19);
  assert.equal(s[0], "1: Pulling from library/bb");
  assert.ok(s.includes(`${l0}: Pulling fs layer`), s.join("\n"));
  assert.ok(s.includes(`${l0}: Download complete`));
  assert.ok(s.includes(`${l0}: Pull complete`));
  assert.deepEqual(s.slice(-2), [`Digest: ${img.manifestDigest}`, "Status: Downloaded newer image for 127.0.0.1:5000/library/bb:1"]);
  assert.deepEqual(msgs.find((m) => m.status === "Pulling fs layer"), { status: "Pulling fs layer", progressDetail: {}, id: l0 });
  const dl = msgs.find((m) => m.status === "Downloading" && m.id === l0);
  const size = reg.blobs.get(img.layerDigests[0] ?? "")?.length ?? 0;
  assert.deepEqual(Object.keys(dl ?? {}), ["status", "progressDetail", "progress", "id"]);
  assert.equal(dl?.progressDetail?.total, size);
  assert.match(dl?.progress ?? "", /^\[=*>\s*\] +\d+B\/\d+B$/);
  const order = s.filter((x) => x.startsWith(`${l0}:`)).map((x) => x.slice(14));
  assert.deepEqual(order.filter((x) => !x.startsWith("Downloading") && !x.startsWith("Extracting")), ["Pulling fs layer", "Verifying Checksum", "Download complete", "Pull complete"]);
  const rec = images.get("127.0.0.1:5000/library/bb:1");
  assert.equal(rec.id, img.id);
  assert.deepEqual(rec.digests, [`127.0.0.1:5000/library/bb@${img.manifestDigest}`]);
  assert.equal(rec.manifestDigest, img.manifestDigest);
  // The compressed blobs are kept as the layers' blobs.
  assert.deepEqual(rec.layers.map((l) => l.blobDigest), img.layerDigests);
  for (const d of img.layerDigests) assert.ok(await content.has(d));
  assert.ok(events.includes("pull 127.0.0.1:5000/library/bb:1"));

  const again = statuses(await pull(images, "127.0.0.1:5000/library/bb", "1"));
  assert.deepEqual(again, ["1: Pulling from library/bb", `Digest: ${img.manifestDigest}`, "Status: Image is up to date for 127.0.0.1:5000/library/bb:1"]);
  // By digest.
  const byDigest = statuses(await pull(images, "127.0.0.1:5000/library/bb", img.manifestDigest));
  assert.equal(byDigest[0], `${img.manifestDigest}: Pulling from library/bb`);
  assert.equal(images.resolve(`127.0.0.1:5000/library/bb@${img.manifestDigest}`), img.id);
});

test("pull: unknown tag and anonymous denial use docker's wording; nothing is streamed", async (t) => {
  const { images, reg } = await setup(t);
  reg.addImage("x", "1", [tarOf({ a: "a" })]);
  await assert.rejects(pull(images, "127.0.0.1:5000/x", "nope"), /^NotFoundError: manifest for 127\.0\.0\.1:5000\/x:nope not found: manifest unknown: manifest unknown$/);
  const orig = reg.repository.bind(reg);
  reg.repository = (ref, auth, actions) => {
    const r = orig(ref, auth, actions);
    return { ...r, getManifest: async () => Promise.reject(new (await import("../errdefs/index.js")).UnauthorizedError("denied: requested access to the resource is denied")) };
  };
  await assert.rejects(
    pull(images, "127.0.0.1:5000/x", "1"),
    (e: Error) => e.message === "pull access denied for 127.0.0.1:5000/x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  );
});

test("pull with no tag at all (docker pull -a): every tag, each with its lines, one final status", async (t) => {
  const { images, reg } = await setup(t);
  const a = reg.addImage("multi", "a", [tarOf({ a: "1" })], { gzip: true });
  const b = reg.addImage("multi", "b", [tarOf({ b: "2" })], { gzip: true });
  const msgs: JSONMessage[] = [];
  await images.pull({ name: "127.0.0.1:5000/multi" }, (m) => msgs.push(m), ctx());
  const st = statuses(msgs);
  assert.ok(st.includes("a: Pulling from multi") && st.includes("b: Pulling from multi"), st.join("\n"));
  assert.deepEqual(st.filter((x) => x.startsWith("Status: ")), ["Status: Downloaded newer image for 127.0.0.1:5000/multi"]);
  assert.equal(images.resolve("127.0.0.1:5000/multi:a"), a.id);
  assert.equal(images.resolve("127.0.0.1:5000/multi:b"), b.id);
});

test("pull: layers download concurrently, at most maxConcurrentDownloads at once, later ones Waiting", async (t) => {
  const { images, reg, snapshotter } = await setup(t);
  reg.delayMs = 20;
  const layers = Array.from({ length: 7 }, (_, i) => tarOf({ [`f${i}`]: `layer ${i}` }));
  const img = reg.addImage("many", "latest", layers);
  const msgs = await pull(images, "127.0.0.1:5000/many");
  assert.equal(reg.maxInflight, maxConcurrentDownloads);
  assert.equal(msgs.filter((m) => m.status === "Waiting").length, 7 - maxConcurrentDownloads);
  assert.equal(msgs.filter((m) => m.status === "Pull complete").length, 7);
  const rec = images.get(img.id);
  assert.equal(rec.layers.length, 7);
  // The top snapshot holds every layer's file.
  const top = await snapshotter.stat(rec.layers[6]?.chainId ?? "");
  assert.equal(top.kind, "committed");
});

test("pull (overlay): layers extract while their parents are still downloading, and stack correctly", async (t) => {
  const { images, reg, snapshotter } = await setup(t, "overlay");
  const layers = Array.from({ length: 6 }, (_, i) => tarOf({ [`f${i}`]: `layer ${i}` }));
  const img = reg.addImage("par", "latest", layers);
  reg.delayMs = 5;
  reg.slow.set(img.layerDigests[0] ?? "", 150); // the base arrives last
  const msgs = await pull(images, "127.0.0.1:5000/par");
  const s = statuses(msgs);
  const at = (x: string): number => s.indexOf(x);
  const id = (i: number): string => img.layerDigests[i]?.slice(7, 19) ?? "";
  // Layer 2 was extracted before layer 1 (whose parent is the slow base) was complete.
  const firstExtract2 = s.findIndex((x) => x.startsWith(`${id(2)}: Extracting`));
  assert.ok(firstExtract2 >= 0 && firstExtract2 < at(`${id(1)}: Pull complete`), s.join("\n"));
  assert.ok(at(`${id(0)}: Pull complete`) < at(`${id(1)}: Pull complete`));
  const rec = images.get(img.id);
  for (const [i, l] of rec.layers.entries()) {
    const info = await snapshotter.stat(l.chainId);
    assert.equal(info.kind, "committed");
    assert.equal(info.parent, i === 0 ? undefined : rec.layers[i - 1]?.chainId);
    const dir = await snapshotter.diffDir(l.chainId);
    assert.deepEqual(readdirSync(dir), [`f${i}`]);
    assert.equal(readFileSync(path.join(dir, `f${i}`), "utf8"), `layer ${i}`);
  }
  assert.equal((await snapshotter.list()).filter((x) => x.key.startsWith("extract-")).length, 0, "no extract-* left");
});

test("pull: one download per blob when two pulls want it at once; shared layers show Already exists later", async (t) => {
  const { images, reg } = await setup(t);
  reg.delayMs = 30;
  const base = tarOf({ base: "shared" });
  const a = reg.addImage("a", "latest", [base, tarOf({ a: "a" })]);
  const b = reg.addImage("b", "latest", [base, tarOf({ b: "b" })]);
  await Promise.all([pull(images, "127.0.0.1:5000/a"), pull(images, "127.0.0.1:5000/b")]);
  assert.equal(reg.fetches.get(a.layerDigests[0] ?? ""), 1);
  assert.equal(images.get("127.0.0.1:5000/b").id, b.id);
  const c = reg.addImage("c", "latest", [base, tarOf({ c: "c" })]);
  const s = statuses(await pull(images, "127.0.0.1:5000/c"));
  assert.ok(s.includes(`${c.layerDigests[0]?.slice(7, 19)}: Already exists`), s.join("\n"));
  assert.equal(reg.fetches.get(a.layerDigests[0] ?? ""), 1);
});

test("pull: a blob that does not match its digest, or a layer that does not match its diffID, leaves nothing", async (t) => {
  const { images, reg, content, snapshotter } = await setup(t);
  const bad = reg.addImage("bad", "latest", [tarOf({ a: "1" }), tarOf({ b: "2" }), tarOf({ c: "3" })]);
  reg.corrupt.add(bad.layerDigests[1] ?? "");
  const before = { blobs: await countBlobs(content), snaps: (await snapshotter.list()).length };
  const msgs: JSONMessage[] = [];
  await assert.rejects(images.pull({ name: "127.0.0.1:5000/bad" }, (m) => msgs.push(m), ctx()), DigestMismatchError);
  assert.ok(msgs.length > 0, "the error came after the stream started");
  assert.throws(() => images.get("127.0.0.1:5000/bad"), /No such image/);
  assert.equal(await countBlobs(content), before.blobs);
  assert.equal((await snapshotter.list()).length, before.snaps);

  reg.addImage("lie", "latest", [tarOf({ a: "1" })], { diffIdLie: true });
  await assert.rejects(pull(images, "127.0.0.1:5000/lie"), /diffID mismatch/);
  assert.throws(() => images.get("127.0.0.1:5000/lie"), /No such image/);
  assert.equal(await countBlobs(content), before.blobs);
  assert.equal((await snapshotter.list()).length, before.snaps);
  // The registry fixed: the next pull succeeds.
  reg.corrupt.clear();
  await pull(images, "127.0.0.1:5000/bad");
  assert.equal(images.get("127.0.0.1:5000/bad").id, bad.id);
});

async function countBlobs(content: LocalContentStore): Promise<number> {
  let n = 0;
  for await (const _ of content.list()) n++;
  return n;
}

test("pull: a manifest list picks the host platform, or the one asked; none matching is docker's error", async (t) => {
  const { images, reg } = await setup(t);
  const amd = reg.addImage("multi", "amd-only", [tarOf({ arch: "amd64" })]);
  const arm = reg.addImage("multi", "arm-only", [tarOf({ arch: "arm64" })]);
  const list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifestList,
      manifests: [
        { mediaType: MediaTypes.dockerManifest, digest: arm.manifestDigest, size: reg.manifests.get(`multi:${arm.manifestDigest}`)?.bytes.length, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        { mediaType: MediaTypes.dockerManifest, digest: amd.manifestDigest, size: reg.manifests.get(`multi:${amd.manifestDigest}`)?.bytes.length, platform: { os: "linux", architecture: "amd64" } },
      ],
    }),
  );
  const listDigest = reg.putManifestRaw("multi", "latest", list, MediaTypes.dockerManifestList);
  await pull(images, "127.0.0.1:5000/multi");
  const rec = images.get("127.0.0.1:5000/multi");
  assert.equal(rec.id, amd.id);
  assert.deepEqual(rec.digests, [`127.0.0.1:5000/multi@${listDigest}`]);
  await pull(images, "127.0.0.1:5000/multi", "latest", { platform: "linux/arm64" });
  assert.equal(images.get("127.0.0.1:5000/multi").id, arm.id);
  await assert.rejects(pull(images, "127.0.0.1:5000/multi", "latest", { platform: "linux/s390x" }), /^NotFoundError: no matching manifest for linux\/s390x in the manifest list entries$/);
});

test("push: a pulled image goes back byte for byte; a second push finds every layer", async (t) => {
  const { images, reg, events } = await setup(t);
  const img = reg.addImage("src", "1", [tarOf({ a: "1" }), tarOf({ b: "2" })]);
  await pull(images, "127.0.0.1:5000/src", "1");
  await images.tag("127.0.0.1:5000/src:1", "127.0.0.1:5000/dst", "2", ctx());
  const msgs: JSONMessage[] = [];
  await images.push({ name: "127.0.0.1:5000/dst", tag: "2" }, (m) => msgs.push(m), ctx());
  const s = statuses(msgs);
  assert.equal(s[0], "The push refers to repository [127.0.0.1:5000/dst]");
  const last = msgs.at(-1);
  assert.deepEqual(last?.aux, { Tag: "2", Digest: img.manifestDigest, Size: reg.manifests.get(`src:${img.manifestDigest}`)?.bytes.length });
  assert.equal(msgs.at(-2)?.status, `2: digest: ${img.manifestDigest} size: ${String(reg.manifests.get(`src:${img.manifestDigest}`)?.bytes.length)}`);
  // The layers were known to be in "src" on the same registry: mounted from there.
  assert.ok(s.some((x) => x.endsWith("Mounted from src")), s.join("\n"));
  assert.ok(images.get("127.0.0.1:5000/dst:2").digests.includes(`127.0.0.1:5000/dst@${img.manifestDigest}`));
  assert.ok(events.includes("push 127.0.0.1:5000/dst:2"));
});

test("push: a local image is gzipped once, remembered, and a second push says Layer already exists", async (t) => {
  const { images, reg, state, content } = await setup(t);
  // Make a "local" image: pull an uncompressed-layer image (its blobs are the diffIDs, like load/build).
  const img = reg.addImage("plain", "latest", [tarOf({ a: "local" }), tarOf({ b: "layer" })], { gzip: false });
  await pull(images, "127.0.0.1:5000/plain");
  await images.tag("127.0.0.1:5000/plain", "127.0.0.1:5000/up", "v1", ctx());
  // Drop its manifest so push must build one.
  state.db.prepare("UPDATE images SET manifest_digest = NULL WHERE id = ?").run(img.id);
  const first: JSONMessage[] = [];
  await images.push({ name: "127.0.0.1:5000/up" }, (m) => first.push(m), ctx());
  const records = new DistributionStore(state);
  const rec = images.get(img.id);
  const gz = rec.layers.map((l) => records.compressedOf(l.diffId)[0]);
  assert.ok(gz.every((g) => g !== undefined && g.mediaType === MediaTypes.dockerLayerGzip));
  for (const g of gz) assert.ok(await content.has(g?.blobDigest ?? ""));
  assert.equal(statuses(first).filter((x) => x.endsWith(": Pushed")).length, 2);
  const aux = first.at(-1)?.aux as { Digest: string; Size: number };
  const pushed = reg.manifests.get(`up:v1`);
  assert.equal(aux.Digest, digestOf(pushed?.bytes ?? Buffer.alloc(0)));
  const m = JSON.parse(pushed?.bytes.toString() ?? "{}") as { mediaType: string; layers: Descriptor[] };
  assert.equal(m.mediaType, MediaTypes.dockerManifest);
  assert.deepEqual(m.layers.map((l) => l.digest), gz.map((g) => g?.blobDigest));

  const blobCount = await countBlobs(content);
  const second: JSONMessage[] = [];
  await images.push({ name: "127.0.0.1:5000/up", tag: "v1" }, (m2) => second.push(m2), ctx());
  assert.equal(statuses(second).filter((x) => x.endsWith(": Layer already exists")).length, 2);
  assert.equal((second.at(-1)?.aux as { Digest: string }).Digest, aux.Digest, "same manifest digest");
  assert.equal(await countBlobs(content), blobCount, "nothing compressed again");
  // gc keeps the compressed blobs while the image exists.
  await images.gc();
  for (const g of gz) assert.ok(await content.has(g?.blobDigest ?? ""));
  // Once no image uses those layers, gc deletes the compressed blobs and forgets them.
  await images.remove(img.id, { force: true, noprune: false }, ctx());
  await images.gc();
  for (const g of gz) assert.equal(await content.has(g?.blobDigest ?? ""), false);
  assert.deepEqual(rec.layers.flatMap((l) => records.compressedOf(l.diffId)), []);
});

test("push: a layer deflate cannot shrink goes up as the plain tar berth keeps (no compression pass)", async (t) => {
  const { images, reg, state } = await setup(t);
  const { randomBytes } = await import("node:crypto");
  const img = reg.addImage("rand", "latest", [tarOf({ noise: randomBytes(2 * 1024 * 1024) }), tarOf({ text: "x".repeat(100_000) })], { gzip: false });
  await pull(images, "127.0.0.1:5000/rand");
  await images.tag("127.0.0.1:5000/rand", "127.0.0.1:5000/rand2", "v1", ctx());
  state.db.prepare("UPDATE images SET manifest_digest = NULL WHERE id = ?").run(img.id);
  await images.push({ name: "127.0.0.1:5000/rand2" }, () => undefined, ctx());
  const m = JSON.parse(reg.manifests.get("rand2:v1")?.bytes.toString() ?? "{}") as { layers: Descriptor[] };
  const rec = images.get(img.id);
  assert.equal(m.layers[0]?.mediaType, MediaTypes.dockerLayer);
  assert.equal(m.layers[0]?.digest, rec.layers[0]?.diffId, "the random layer is its own uncompressed tar");
  assert.equal(m.layers[1]?.mediaType, MediaTypes.dockerLayerGzip, "the text layer is gzipped");
});

test("push: docker's errors for a missing tag or repository", async (t) => {
  const { images } = await setup(t);
  await assert.rejects(images.push({ name: "127.0.0.1:5000/none" }, () => undefined, ctx()), /^NotFoundError: An image does not exist locally with the tag: 127\.0\.0\.1:5000\/none$/);
});

test("login: the client is made once, lazily; wrong credentials are refused", async (t) => {
  const { images, clients } = await setup(t);
  assert.equal(clients(), 0);
  assert.deepEqual(await images.login({ username: "u", password: "right", serveraddress: "127.0.0.1:5000" }, ctx()), { status: "Login Succeeded", identityToken: "" });
  await assert.rejects(images.login({ username: "u", password: "wrong", serveraddress: "127.0.0.1:5000" }, ctx()), /unauthorized: incorrect username or password/);
  assert.equal(clients(), 1);
});
