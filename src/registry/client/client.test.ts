import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DigestMismatchError, ForbiddenError, InvalidArgumentError, UnauthorizedError } from "../../errdefs/index.js";
import { createRegistryClient, parseWwwAuthenticate, schema1Message } from "./index.js";
import { registryErrorMessage } from "./registry-errors.js";
import { sha256, startFakeRegistry, type FakeRegistry, type FakeRegistryOptions } from "./fake-registry.js";
import type { RegistryClientOptions } from "./types.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const retry = { attempts: 4, baseDelayMs: 10, maxDelayMs: 300 };

async function fake(t: TestContext, opts?: FakeRegistryOptions): Promise<FakeRegistry> {
  const r = await startFakeRegistry(opts);
  t.after(() => r.close());
  return r;
}

function client(t: TestContext, opts: RegistryClientOptions = {}): ReturnType<typeof createRegistryClient> {
  const c = createRegistryClient({ retry, certsDirs: [], proxy: {}, ...opts });
  t.after(() => c.close());
  return c;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

function blobData(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

function manifestFor(config: Buffer, layer: Buffer): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
    }),
  );
}

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += 1000) yield b.subarray(i, i + 1000);
}

test("parseWwwAuthenticate reads bearer and basic challenges", () => {
  const cs = parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push", Basic realm="x"');
  assert.equal(cs.length, 2);
  assert.deepEqual(cs[0], { scheme: "bearer", params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" } });
  assert.deepEqual(cs[1], { scheme: "basic", params: { realm: "x" } });
});

test("registry errors are formatted as docker formats them", () => {
  assert.equal(registryErrorMessage(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), 401), "unauthorized: authentication required");
  assert.equal(registryErrorMessage(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }), 404), "manifest unknown: manifest unknown");
  assert.equal(registryErrorMessage(JSON.stringify({ details: "incorrect username or password" }), 401), "unauthorized: incorrect username or password");
  assert.equal(registryErrorMessage("<html>", 500), undefined);
});

test("pulls a manifest and a blob anonymously (https tried, http fallback), verifying digests", async (t) => {
  const reg = await fake(t);
  const layer = blobData(100_000);
  const config = Buffer.from("{}");
  reg.addBlob("library/x", layer);
  reg.addBlob("library/x", config);
  const mb = manifestFor(config, layer);
  const md = reg.addManifest("library/x", "latest", OCI_MANIFEST, mb);
  const repo = client(t).repository({ host: reg.host, path: "library/x" }, undefined, "pull");
  const m = await repo.getManifest("latest");
  assert.deepEqual(m.descriptor, { mediaType: OCI_MANIFEST, digest: md, size: mb.length });
  assert.ok(m.bytes.equals(mb));
  assert.deepEqual(await repo.headManifest("latest"), m.descriptor);
  assert.equal(await repo.headManifest("nope"), undefined);
  assert.deepEqual((await repo.getManifest(md)).descriptor.digest, md);
  let progress = 0;
  const got = await collect(repo.fetchBlob({ mediaType: "x", digest: sha256(layer), size: layer.length }, { onProgress: (n) => (progress = n) }));
  assert.ok(got.equals(layer));
  assert.equal(progress, layer.length);
  assert.equal(await repo.hasBlob(sha256(layer)), true);
  assert.equal(await repo.hasBlob(sha256("other")), false);
  await assert.rejects(repo.getManifest("missing"), (e: Error) => e.name === "NotFoundError" && /manifest unknown/.test(e.message));
});

test("a manifest whose bytes do not match the digest asked for is refused", async (t) => {
  const reg = await fake(t);
  const mb = manifestFor(Buffer.from("{}"), Buffer.from("l"));
  const wrong = sha256("something else");
  reg.manifests.set(`r|${wrong}`, { mediaType: OCI_MANIFEST, bytes: mb });
  const repo = client(t).repository({ host: reg.host, path: "r" }, undefined, "pull");
  await assert.rejects(repo.getManifest(wrong), DigestMismatchError);
});

test("concurrent requests share one token; manifests over 4 MiB are refused", async (t) => {
  const reg = await fake(t, { auth: { kind: "bearer" } });
  const blobs = [0, 1, 2, 3].map((i) => reg.addBlob("c", blobData(100 + i)));
  reg.addManifest("c", "big", OCI_MANIFEST, Buffer.alloc(5 << 20, 0x20));
  const repo = client(t).repository({ host: reg.host, path: "c" }, undefined, "pull");
  await repo.hasBlob(blobs[0] ?? "");
  assert.equal(reg.tokensIssued, 1);
  const other = client(t).repository({ host: reg.host, path: "c" }, undefined, "pull");
  assert.deepEqual(await Promise.all(blobs.map((d) => other.hasBlob(d))), [true, true, true, true]);
  assert.equal(reg.tokensIssued, 2, "one token request for four concurrent requests");
  await assert.rejects(repo.getManifest("big"), (e: Error) => e instanceof InvalidArgumentError && /too big/.test(e.message));
});

test("schema 1 manifests are refused with docker's deprecation notice", async (t) => {
  const reg = await fake(t);
  reg.addManifest("old", "v1", "application/vnd.docker.distribution.manifest.v1+prettyjws", Buffer.from('{"schemaVersion":1,"name":"old","tag":"v1"}'));
  reg.addManifest("old", "v1b", "application/json", Buffer.from('{"schemaVersion":1,"name":"old","tag":"v1b"}'));
  const repo = client(t).repository({ host: reg.host, path: "old" }, undefined, "pull");
  for (const tag of ["v1", "v1b"]) {
    await assert.rejects(repo.getManifest(tag), (e: Error) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.message, schema1Message(`${reg.host}/old:${tag}`));
      assert.match(e.message, /^\[DEPRECATION NOTICE\] Docker Image Format v1/);
      return true;
    });
  }
});

test("basic auth: credentials sent after the challenge; wrong ones give the registry's message", async (t) => {
  const reg = await fake(t, { auth: { kind: "basic", user: "alice", password: "pw" } });
  const layer = blobData(10);
  reg.addBlob("a/b", layer);
  const c = client(t);
  const ok = c.repository({ host: reg.host, path: "a/b" }, { username: "alice", password: "pw" }, "pull");
  assert.equal(await ok.hasBlob(sha256(layer)), true);
  const bad = c.repository({ host: reg.host, path: "a/b" }, { username: "alice", password: "nope" }, "pull");
  await assert.rejects(bad.hasBlob(sha256(layer)), (e: Error) => e instanceof UnauthorizedError && e.message === "unauthorized: authentication required");
  assert.deepEqual(await c.login(reg.host, { username: "alice", password: "pw" }), { status: "Login Succeeded" });
  await assert.rejects(c.login(reg.host, { username: "alice", password: "bad" }), (e: Error) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.equal(e.message, `login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);
    return true;
  });
});

test("bearer auth: a token is fetched, cached per scope and refreshed on 401", async (t) => {
  const reg = await fake(t, { auth: { kind: "bearer", user: "bob", password: "pw", refreshToken: "refresh-123" } });
  const layer = blobData(10);
  reg.addBlob("b/c", layer);
  const c = client(t);
  const repo = c.repository({ host: reg.host, path: "b/c" }, { username: "bob", password: "pw" }, "pull");
  assert.equal(await repo.hasBlob(sha256(layer)), true);
  assert.equal(await repo.hasBlob(sha256(layer)), true);
  assert.equal(reg.tokensIssued, 1);
  const tokenReq = reg.log.find((r) => r.url.startsWith("/token"));
  assert.ok(tokenReq);
  const q = new URL(tokenReq.url, "http://x").searchParams;
  assert.equal(q.get("service"), "fake");
  assert.ok(q.getAll("scope").includes("repository:b/c:pull"));
  // wrong password: the token service's message
  const bad = c.repository({ host: reg.host, path: "b/c" }, { username: "bob", password: "x" }, "pull");
  await assert.rejects(bad.hasBlob(sha256(layer)), (e: Error) => e instanceof UnauthorizedError && e.message === "unauthorized: incorrect username or password");
  // login returns the refresh token as identity token; it can be used instead of the password
  const l = await c.login(reg.host, { username: "bob", password: "pw" });
  assert.deepEqual(l, { status: "Login Succeeded", identityToken: "refresh-123" });
  const viaIdentity = c.repository({ host: reg.host, path: "b/c" }, { identitytoken: "refresh-123" }, "pull");
  assert.equal(await viaIdentity.hasBlob(sha256(layer)), true);
  assert.ok(reg.log.some((r) => r.method === "POST" && r.url.startsWith("/token")));
  await assert.rejects(c.login(reg.host, { username: "bob", password: "wrong" }), /unauthorized: incorrect username or password/);
});

test("429 with Retry-After and 500 are retried (Retry-After capped); 400 is not", async (t) => {
  const reg = await fake(t);
  const layer = blobData(50);
  reg.addBlob("r", layer);
  let n = 0;
  reg.fault = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "HEAD") return false;
    n++;
    if (n === 1) {
      res.writeHead(429, { "retry-after": "30" }).end();
      return true;
    }
    if (n === 2) {
      res.writeHead(500).end();
      return true;
    }
    return false;
  };
  const repo = client(t).repository({ host: reg.host, path: "r" }, undefined, "pull");
  const t0 = Date.now();
  assert.equal(await repo.hasBlob(sha256(layer)), true);
  assert.equal(n, 3);
  assert.ok(Date.now() - t0 < 5000, "Retry-After is capped by maxDelayMs");
  let m = 0;
  reg.fault = (req, res) => {
    if (req.method !== "GET") return false;
    m++;
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "NAME_INVALID", message: "invalid repository name" }] }));
    return true;
  };
  await assert.rejects(repo.getManifest("latest"), /name invalid: invalid repository name/);
  assert.equal(m, 1);
  reg.fault = (req, res) => {
    res.writeHead(503).end();
    return true;
  };
  const before = reg.log.length;
  await assert.rejects(repo.getManifest("latest"), (e: Error) => e.name === "UnavailableError");
  assert.equal(reg.log.length - before, retry.attempts);
});

function cutOnce(reg: FakeRegistry, digest: string, data: Buffer, at: number, mode: "drop" | "stall"): void {
  let done = false;
  reg.fault = (req, res) => {
    if (done || req.method !== "GET" || !req.url?.endsWith(digest)) return false;
    done = true;
    res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes" });
    res.write(data.subarray(0, at), () => {
      if (mode === "drop") setTimeout(() => res.socket?.destroy(), 20);
    });
    if (mode === "stall") setTimeout(() => res.socket?.destroy(), 3000);
    return true;
  };
}

test("a blob body cut mid-way is resumed with Range", async (t) => {
  const reg = await fake(t);
  const layer = blobData(300_000);
  const d = reg.addBlob("r", layer);
  cutOnce(reg, d, layer, 120_000, "drop");
  const repo = client(t).repository({ host: reg.host, path: "r" }, undefined, "pull");
  const got = await collect(repo.fetchBlob({ mediaType: "x", digest: d, size: layer.length }));
  assert.ok(got.equals(layer));
  const gets = reg.log.filter((r) => r.method === "GET" && r.url.endsWith(d));
  assert.equal(gets.length, 2);
  assert.match(String(gets[1]?.headers.range), /^bytes=\d+-$/);
  assert.ok(Number(/=(\d+)-/.exec(String(gets[1]?.headers.range))?.[1]) > 0);
});

test("a stalled blob body is resumed; a registry without Range support is re-read and skipped", async (t) => {
  const reg = await fake(t, { ranges: false });
  const layer = blobData(200_000);
  const d = reg.addBlob("r", layer);
  cutOnce(reg, d, layer, 50_000, "stall");
  const repo = client(t, { stallTimeoutMs: 300 }).repository({ host: reg.host, path: "r" }, undefined, "pull");
  const got = await collect(repo.fetchBlob({ mediaType: "x", digest: d, size: layer.length }));
  assert.ok(got.equals(layer));
  assert.equal(reg.count("GET", new RegExp(d + "$")), 2);
});

test("a corrupted blob throws DigestMismatchError before its last chunk is yielded", async (t) => {
  const reg = await fake(t);
  const layer = blobData(100_000);
  const d = reg.addBlob("r", layer);
  const bad = Buffer.from(layer);
  bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
  reg.blobs.set(d, bad);
  const repo = client(t).repository({ host: reg.host, path: "r" }, undefined, "pull");
  let yielded = 0;
  await assert.rejects(
    (async () => {
      for await (const c of repo.fetchBlob({ mediaType: "x", digest: d, size: layer.length })) yielded += c.length;
    })(),
    DigestMismatchError,
  );
  assert.ok(yielded < layer.length);
});

test("mirrors are tried in order (refused, 500), then the registry; push handles skip them", async (t) => {
  const reg = await fake(t);
  const broken = await fake(t);
  broken.fault = (_req, res) => {
    res.writeHead(500).end();
    return true;
  };
  const good = await fake(t);
  const layer = blobData(1000);
  const d = reg.addBlob("library/m", layer);
  const deadPort = await startFakeRegistry();
  const deadUrl = deadPort.url;
  await deadPort.close();
  const c = client(t, { mirrors: { [reg.host]: [deadUrl, broken.url + "/"] } });
  const repo = c.repository({ host: reg.host, path: "library/m" }, undefined, "pull");
  assert.ok((await collect(repo.fetchBlob({ mediaType: "x", digest: d, size: layer.length }))).equals(layer));
  assert.ok(broken.log.length > 0);
  // a mirror that has the blob serves it; the registry is not asked
  good.addBlob("library/m", layer);
  const before = reg.log.length;
  const c2 = client(t, { mirrors: { [reg.host]: [good.url] } });
  assert.ok((await collect(c2.repository({ host: reg.host, path: "library/m" }, undefined, "pull").fetchBlob({ mediaType: "x", digest: d, size: layer.length }))).equals(layer));
  assert.equal(reg.log.length, before);
  const goodBefore = good.log.length;
  assert.equal(await c2.repository({ host: reg.host, path: "library/m" }, undefined, "pull,push").hasBlob(d), true);
  assert.equal(good.log.length, goodBefore);
});

test("listTags follows Link pagination", async (t) => {
  const reg = await fake(t, { tagPage: 2 });
  for (const tag of ["a", "b", "c", "d", "e"]) reg.addManifest("r", tag, OCI_MANIFEST, Buffer.from(`{"schemaVersion":2,"t":"${tag}"}`));
  const repo = client(t).repository({ host: reg.host, path: "r" }, undefined, "pull");
  assert.deepEqual(await repo.listTags(), ["a", "b", "c", "d", "e"]);
  assert.equal(reg.count("GET", /tags\/list/), 3);
});

test("pushBlob: exists, cross-repo mount, monolithic and chunked uploads; putManifest", async (t) => {
  const reg = await fake(t);
  const c = client(t);
  const repo = c.repository({ host: reg.host, path: "dst" }, undefined, "pull,push");
  const a = blobData(3500);
  const da = sha256(a);
  const desc = { mediaType: "x", digest: da, size: a.length };
  let sent = 0;
  assert.equal(await repo.pushBlob(desc, async () => once(a), { onProgress: (n) => (sent = n) }), "pushed");
  assert.equal(sent, a.length);
  assert.ok(reg.blobs.get(da)?.equals(a));
  assert.equal(await repo.pushBlob(desc, async () => once(a)), "exists");
  const other = c.repository({ host: reg.host, path: "other" }, undefined, "pull,push");
  assert.equal(await other.pushBlob(desc, async () => once(a), { mountFrom: ["dst"] }), "mounted");
  assert.ok(reg.repoBlobs.get("other")?.has(da));
  const b = blobData(3500).reverse();
  const db = sha256(b);
  const opened: number[] = [];
  assert.equal(await repo.pushBlob({ mediaType: "x", digest: db, size: b.length }, async (off) => (opened.push(off), once(b.subarray(off))), { chunkSize: 1000, mountFrom: ["nowhere"] }), "pushed");
  assert.equal(reg.count("PATCH", /uploads/), 4);
  assert.ok(reg.blobs.get(db)?.equals(b));
  assert.deepEqual(opened, [0]);
  const m = manifestFor(b, a);
  assert.equal(await repo.putManifest("v1", OCI_MANIFEST, m), sha256(m));
  assert.ok(reg.manifests.get("dst|v1")?.bytes.equals(m));
});

test("a chunked upload whose connection drops resumes from the upload's reported Range", async (t) => {
  const reg = await fake(t);
  const repo = client(t).repository({ host: reg.host, path: "dst" }, undefined, "pull,push");
  const b = blobData(5000);
  const db = sha256(b);
  let patches = 0;
  reg.fault = (req, res) => {
    if (req.method !== "PATCH") return false;
    patches++;
    if (patches === 3) {
      res.socket?.destroy();
      return true;
    }
    return false;
  };
  const opened: number[] = [];
  const r = await repo.pushBlob({ mediaType: "x", digest: db, size: b.length }, async (off) => (opened.push(off), once(b.subarray(off))), { chunkSize: 1000 });
  assert.equal(r, "pushed");
  assert.ok(reg.blobs.get(db)?.equals(b));
  assert.deepEqual(opened, [0, 2000]);
  assert.equal(reg.count("GET", /uploads\//), 1);
});

test("hosts outside allowed-registries are refused before any connection", async (t) => {
  const reg = await fake(t);
  const c = client(t, { allowed: (h) => h === "example.com", mirrors: { "example.com": [reg.url] } });
  assert.throws(() => c.repository({ host: reg.host, path: "x" }, undefined, "pull"), (e: Error) => e instanceof ForbiddenError && e.message === `registry ${reg.host} is not allowed by this daemon's allowed-registries setting`);
  await assert.rejects(c.login(reg.host, {}), ForbiddenError);
  assert.equal(reg.log.length, 0);
});
