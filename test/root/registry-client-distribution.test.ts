/**
 * The registry client against a real peer: Debian's docker-registry (distribution 2.8) on 127.0.0.1 —
 * plain, TLS + htpasswd, and token auth (test/helpers/token-service.ts).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { UnauthorizedError } from "../../src/errdefs/index.js";
import { createRegistryClient, type Repository } from "../../src/registry/client/index.js";
import { startDistribution } from "../helpers/distribution.js";
import { startTokenService } from "../helpers/token-service.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

function sha256(b: Buffer): string {
  return "sha256:" + createHash("sha256").update(b).digest("hex");
}

async function* chunks(b: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += 64 * 1024) yield b.subarray(i, i + 64 * 1024);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function roundTrip(repo: Repository, chunkSize?: number): Promise<void> {
  const layer = Buffer.alloc(1_500_000);
  for (let i = 0; i < layer.length; i++) layer[i] = (i * 31 + (i >> 10)) & 0xff;
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha256(layer)] } }));
  const ld = { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length };
  const cd = { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length };
  assert.equal(await repo.pushBlob(ld, async (off) => chunks(layer.subarray(off)), chunkSize ? { chunkSize } : {}), "pushed");
  assert.equal(await repo.pushBlob(ld, async (off) => chunks(layer.subarray(off))), "exists");
  assert.equal(await repo.pushBlob(cd, async () => chunks(config)), "pushed");
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: cd, layers: [ld] }));
  assert.equal(await repo.putManifest("v1", OCI_MANIFEST, manifest), sha256(manifest));
  const got = await repo.getManifest("v1");
  assert.ok(got.bytes.equals(manifest));
  assert.deepEqual(got.descriptor, { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length });
  assert.deepEqual(await repo.headManifest("v1"), got.descriptor);
  assert.ok((await collect(repo.fetchBlob(ld))).equals(layer));
  assert.ok((await collect(repo.fetchBlob(cd))).equals(config));
  assert.deepEqual(await repo.listTags(), ["v1"]);
}

const retry = { attempts: 3, baseDelayMs: 50, maxDelayMs: 500 };

test("push and pull against distribution 2.8 (plain http, monolithic and chunked, cross-repo mount)", async (t) => {
  const reg = await startDistribution(t);
  const c = createRegistryClient({ retry, certsDirs: [], proxy: {} });
  t.after(() => c.close());
  await roundTrip(c.repository({ host: reg.host, path: "test/mono" }, undefined, "pull,push"));
  await roundTrip(c.repository({ host: reg.host, path: "test/chunked" }, undefined, "pull,push"), 400_000);
  const b = Buffer.from("mount me");
  const d = { mediaType: "application/octet-stream", digest: sha256(b), size: b.length };
  assert.equal(await c.repository({ host: reg.host, path: "test/src" }, undefined, "pull,push").pushBlob(d, async () => chunks(b)), "pushed");
  assert.equal(await c.repository({ host: reg.host, path: "test/dst" }, undefined, "pull,push").pushBlob(d, async () => chunks(b), { mountFrom: ["test/src"] }), "mounted");
  await assert.rejects(c.repository({ host: reg.host, path: "test/mono" }, undefined, "pull").getManifest("nope"), (e: Error) => e.name === "NotFoundError" && /manifest unknown/.test(e.message));
});

test("TLS + htpasswd: login, push and pull; wrong password gives docker's 401 message", async (t) => {
  const reg = await startDistribution(t, { tls: true, htpasswd: { user: "alice", password: "s3cret" } });
  assert.ok(reg.certsDir);
  const c = createRegistryClient({ retry, certsDirs: [reg.certsDir], proxy: {} });
  t.after(() => c.close());
  assert.deepEqual(await c.login(reg.host, { username: "alice", password: "s3cret" }), { status: "Login Succeeded" });
  await assert.rejects(c.login(reg.host, { username: "alice", password: "wrong" }), (e: Error) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.equal(e.message, `login attempt to ${reg.url}/v2/ failed with status: 401 Unauthorized`);
    return true;
  });
  await roundTrip(c.repository({ host: reg.host, path: "secure/img" }, { username: "alice", password: "s3cret" }, "pull,push"));
  const bad = c.repository({ host: reg.host, path: "secure/img" }, { username: "alice", password: "wrong" }, "pull");
  await assert.rejects(bad.getManifest("v1"), UnauthorizedError);
  const anon = c.repository({ host: reg.host, path: "secure/img" }, undefined, "pull");
  await assert.rejects(anon.getManifest("v1"), (e: Error) => e instanceof UnauthorizedError && /^unauthorized: /.test(e.message));
});

test("mutual TLS: the client certificate pair comes from certs.d", async (t) => {
  const reg = await startDistribution(t, { tls: true, mtls: true });
  assert.ok(reg.certsDir);
  const without = createRegistryClient({ retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, certsDirs: [], proxy: {} });
  t.after(() => without.close());
  await assert.rejects(without.repository({ host: reg.host, path: "m/img" }, undefined, "pull").getManifest("v1"), (e: Error) => e.name === "UnavailableError");
  const c = createRegistryClient({ retry, certsDirs: ["/nonexistent", reg.certsDir], proxy: {} });
  t.after(() => c.close());
  await roundTrip(c.repository({ host: reg.host, path: "m/img" }, undefined, "pull,push"));
});

test("token auth: bearer tokens from a token service, refresh token from login", async (t) => {
  const certDir = mkdtempSync(path.join(tmpdir(), "berth-token-"));
  t.after(() => rmSync(certDir, { recursive: true, force: true }));
  const ts = await startTokenService(t, { issuer: "test-issuer", service: "test-registry", users: { bob: "pw" }, certDir });
  const reg = await startDistribution(t, { token: { realm: ts.realm, service: "test-registry", issuer: "test-issuer", rootCertBundle: ts.certFile } });
  const c = createRegistryClient({ retry, certsDirs: [], proxy: {} });
  t.after(() => c.close());
  const l = await c.login(reg.host, { username: "bob", password: "pw" });
  assert.equal(l.status, "Login Succeeded");
  await roundTrip(c.repository({ host: reg.host, path: "tok/img" }, { username: "bob", password: "pw" }, "pull,push"));
  const b = Buffer.from("token mount");
  const d = { mediaType: "application/octet-stream", digest: sha256(b), size: b.length };
  const bob = { username: "bob", password: "pw" };
  assert.equal(await c.repository({ host: reg.host, path: "tok/src" }, bob, "pull,push").pushBlob(d, async () => chunks(b)), "pushed");
  assert.equal(await c.repository({ host: reg.host, path: "tok/dst" }, bob, "pull,push").pushBlob(d, async () => chunks(b), { mountFrom: ["tok/src"] }), "mounted");
  await assert.rejects(c.login(reg.host, { username: "bob", password: "nope" }), (e: Error) => e instanceof UnauthorizedError && /^Get "https?:\/\/[^"]+\/v2\/": unauthorized: incorrect username or password$/.test(e.message));
  assert.ok(l.identityToken, "the token service issued a refresh token");
  const viaId = c.repository({ host: reg.host, path: "tok/img" }, { identitytoken: l.identityToken }, "pull");
  assert.equal((await viaId.getManifest("v1")).descriptor.mediaType, OCI_MANIFEST);
  assert.ok(ts.requests.some((r) => r.method === "POST" && r.user === "bob"), "the refresh token was exchanged with the OAuth2 form");
});
