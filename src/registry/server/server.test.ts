import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { request } from "node:http";
import bcrypt from "bcryptjs";
import { BasicAuthenticator, TokenAuthenticator, type Authenticator } from "./auth.js";
import { collectGarbage } from "./gc.js";
import { Htpasswd } from "./htpasswd.js";
import { RegistryServer } from "./server.js";

const sha = (b: Buffer | string): string => "sha256:" + createHash("sha256").update(b).digest("hex");
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

function tmp(t: TestContext): string {
  const d = mkdtempSync(path.join(tmpdir(), "berth-registry-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function start(t: TestContext, opts: { root?: string; auth?: Authenticator; readOnly?: boolean } = {}): Promise<{ base: string; root: string }> {
  const root = opts.root ?? tmp(t);
  const s = new RegistryServer({ root, ...(opts.auth ? { auth: opts.auth } : {}), readOnly: opts.readOnly ?? false });
  const addr = await s.listen("127.0.0.1", 0);
  t.after(() => s.close());
  return { base: `http://${addr}`, root };
}

async function errCode(r: Response): Promise<string> {
  const body = (await r.json()) as { errors: { code: string }[] };
  return body.errors[0]?.code ?? "";
}

async function pushBlob(base: string, repo: string, data: Buffer | string): Promise<string> {
  const d = sha(data);
  const r = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${d}`, { method: "POST", body: data });
  assert.equal(r.status, 201, await r.text());
  return d;
}

function imageManifest(config: string, configSize: number, layers: [string, number][], extra: object = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: configSize },
    layers: layers.map(([digest, size]) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest, size })),
    ...extra,
  });
}

async function pushImage(base: string, repo: string, tag: string, extra: object = {}): Promise<string> {
  const cfg = `{"tag":"${tag}"}`;
  const layer = `layer of ${repo}:${tag}`;
  const c = await pushBlob(base, repo, cfg);
  const l = await pushBlob(base, repo, layer);
  const m = imageManifest(c, cfg.length, [[l, layer.length]], extra);
  const r = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: m });
  assert.equal(r.status, 201, await r.text());
  return sha(m);
}

test("base endpoint, blobs with ranges, and a bad digest storing nothing", async (t) => {
  const { base, root } = await start(t);
  const r0 = await fetch(`${base}/v2/`);
  assert.equal(r0.status, 200);
  assert.equal(r0.headers.get("docker-distribution-api-version"), "registry/2.0");
  assert.deepEqual(await r0.json(), {});

  const d = await pushBlob(base, "a/b", "0123456789");
  const h = await fetch(`${base}/v2/a/b/blobs/${d}`, { method: "HEAD" });
  assert.equal(h.status, 200);
  assert.equal(h.headers.get("content-length"), "10");
  assert.equal(h.headers.get("docker-content-digest"), d);
  assert.equal(await (await fetch(`${base}/v2/a/b/blobs/${d}`)).text(), "0123456789");
  const part = await fetch(`${base}/v2/a/b/blobs/${d}`, { headers: { Range: "bytes=2-4" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), "bytes 2-4/10");
  assert.equal(await part.text(), "234");
  const bad = await fetch(`${base}/v2/a/b/blobs/${d}`, { headers: { Range: "bytes=20-" } });
  assert.equal(bad.status, 416);
  // another repository does not see the blob
  assert.equal((await fetch(`${base}/v2/other/blobs/${d}`, { method: "HEAD" })).status, 404);

  const wrong = await fetch(`${base}/v2/a/b/blobs/uploads/?digest=${sha("other")}`, { method: "POST", body: "payload" });
  assert.equal(wrong.status, 400);
  assert.equal(await errCode(wrong), "DIGEST_INVALID");
  assert.equal((await fetch(`${base}/v2/a/b/blobs/${sha("payload")}`, { method: "HEAD" })).status, 404);
  assert.deepEqual(readdirSync(path.join(root, "blobs", "sha256")), [d.slice(7)]);
  assert.deepEqual(readdirSync(path.join(root, "uploads")), []);
});

test("chunked uploads with Content-Range, status and 416", async (t) => {
  const { base } = await start(t);
  const s = await fetch(`${base}/v2/c/blobs/uploads/`, { method: "POST" });
  assert.equal(s.status, 202);
  const loc = s.headers.get("location") ?? "";
  assert.match(loc, /^\/v2\/c\/blobs\/uploads\/[0-9a-f-]{36}$/);
  let r = await fetch(base + loc, { method: "PATCH", headers: { "Content-Range": "0-4", "Content-Type": "application/octet-stream" }, body: "hello" });
  assert.equal(r.status, 202);
  assert.equal(r.headers.get("range"), "0-4");
  r = await fetch(base + loc, { method: "PATCH", headers: { "Content-Range": "0-4" }, body: "again" });
  assert.equal(r.status, 416);
  r = await fetch(base + loc, { method: "PATCH", headers: { "Content-Range": "5-10" }, body: " world" });
  assert.equal(r.status, 202);
  r = await fetch(base + loc);
  assert.equal(r.status, 204);
  assert.equal(r.headers.get("range"), "0-10");
  r = await fetch(`${base}${loc}?digest=${sha("hello world!")}`, { method: "PUT", body: "!" });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get("docker-content-digest"), sha("hello world!"));
  assert.equal(await (await fetch(`${base}/v2/c/blobs/${sha("hello world!")}`)).text(), "hello world!");
  // the session is gone
  r = await fetch(base + loc);
  assert.equal(r.status, 404);
  assert.equal(await errCode(r), "BLOB_UPLOAD_UNKNOWN");
  // cancel
  const s2 = await fetch(`${base}/v2/c/blobs/uploads/`, { method: "POST" });
  const loc2 = s2.headers.get("location") ?? "";
  assert.equal((await fetch(base + loc2, { method: "DELETE" })).status, 204);
  assert.equal((await fetch(base + loc2)).status, 404);
});

test("manifests: missing blobs refused, tag/digest access, indexes, delete", async (t) => {
  const { base } = await start(t);
  const missing = imageManifest(sha("nope"), 4, []);
  let r = await fetch(`${base}/v2/m/manifests/v1`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: missing });
  assert.equal(r.status, 400);
  assert.equal(await errCode(r), "MANIFEST_BLOB_UNKNOWN");
  assert.equal((await fetch(`${base}/v2/m/manifests/v1`)).status, 404);
  r = await fetch(`${base}/v2/m/manifests/v1`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: "{not json" });
  assert.equal(await errCode(r), "MANIFEST_INVALID");

  const md = await pushImage(base, "m", "v1");
  r = await fetch(`${base}/v2/m/manifests/v1`);
  assert.equal(r.headers.get("content-type"), OCI_MANIFEST);
  assert.equal(r.headers.get("docker-content-digest"), md);
  assert.equal(sha(Buffer.from(await r.arrayBuffer())), md);
  r = await fetch(`${base}/v2/m/manifests/${md}`, { method: "HEAD" });
  assert.equal(r.status, 200);
  // a digest reference must match the body
  r = await fetch(`${base}/v2/m/manifests/${sha("x")}`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: "{}" });
  assert.equal(await errCode(r), "DIGEST_INVALID");

  const size = Number((await fetch(`${base}/v2/m/manifests/${md}`, { method: "HEAD" })).headers.get("content-length"));
  const index = (child: string): string => JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: child, size }] });
  r = await fetch(`${base}/v2/m/manifests/idx`, { method: "PUT", headers: { "Content-Type": OCI_INDEX }, body: index(sha("absent")) });
  assert.equal(await errCode(r), "MANIFEST_BLOB_UNKNOWN");
  r = await fetch(`${base}/v2/m/manifests/idx`, { method: "PUT", headers: { "Content-Type": OCI_INDEX }, body: index(md) });
  assert.equal(r.status, 201);

  assert.equal((await fetch(`${base}/v2/m/manifests/idx`, { method: "DELETE" })).status, 202);
  assert.equal((await fetch(`${base}/v2/m/manifests/idx`)).status, 404);
  assert.equal((await fetch(`${base}/v2/m/manifests/${md}`, { method: "DELETE" })).status, 202);
  r = await fetch(`${base}/v2/m/manifests/v1`);
  assert.equal(await errCode(r), "MANIFEST_UNKNOWN");
  const blob = await pushBlob(base, "m", "to delete");
  assert.equal((await fetch(`${base}/v2/m/blobs/${blob}`, { method: "DELETE" })).status, 202);
  assert.equal((await fetch(`${base}/v2/m/blobs/${blob}`, { method: "HEAD" })).status, 404);
});

test("tags and catalog paginate with Link headers", async (t) => {
  const { base } = await start(t);
  for (const tag of ["t3", "t1", "t2", "t5", "t4"]) await pushImage(base, "p", tag);
  for (const repo of ["r1", "r2", "r3"]) await pushBlob(base, repo, "x");
  let r = await fetch(`${base}/v2/p/tags/list?n=2`);
  assert.deepEqual(await r.json(), { name: "p", tags: ["t1", "t2"] });
  assert.equal(r.headers.get("link"), '</v2/p/tags/list?n=2&last=t2>; rel="next"');
  r = await fetch(`${base}/v2/p/tags/list?n=2&last=t4`);
  assert.deepEqual(await r.json(), { name: "p", tags: ["t5"] });
  assert.equal(r.headers.get("link"), null);
  assert.deepEqual(await (await fetch(`${base}/v2/p/tags/list`)).json(), { name: "p", tags: ["t1", "t2", "t3", "t4", "t5"] });
  r = await fetch(`${base}/v2/p/tags/list?n=-1`);
  assert.equal(await errCode(r), "PAGINATION_NUMBER_INVALID");
  r = await fetch(`${base}/v2/nothere/tags/list`);
  assert.equal(await errCode(r), "NAME_UNKNOWN");
  r = await fetch(`${base}/v2/_catalog?n=2`);
  assert.deepEqual(await r.json(), { repositories: ["p", "r1"] });
  assert.match(r.headers.get("link") ?? "", /last=r1/);
  assert.deepEqual(await (await fetch(`${base}/v2/_catalog?last=r1`)).json(), { repositories: ["r2", "r3"] });
});

test("referrers API and OCI-Subject", async (t) => {
  const { base } = await start(t);
  const subject = await pushImage(base, "ref", "v1");
  const cfg = "{}";
  const c = await pushBlob(base, "ref", cfg);
  const sig = JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: "application/x-signature",
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: c, size: 2 }, layers: [],
    subject: { mediaType: OCI_MANIFEST, digest: subject, size: 100 }, annotations: { k: "v" },
  });
  let r = await fetch(`${base}/v2/ref/manifests/${sha(sig)}`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: sig });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get("oci-subject"), subject);
  r = await fetch(`${base}/v2/ref/referrers/${subject}`);
  assert.equal(r.headers.get("content-type"), OCI_INDEX);
  const idx = (await r.json()) as { manifests: { digest: string; artifactType: string; annotations: object }[] };
  assert.deepEqual(idx.manifests.map((m) => [m.digest, m.artifactType, m.annotations]), [[sha(sig), "application/x-signature", { k: "v" }]]);
  r = await fetch(`${base}/v2/ref/referrers/${subject}?artifactType=application/other`);
  assert.equal(r.headers.get("oci-filters-applied"), "artifactType");
  assert.deepEqual(((await r.json()) as { manifests: unknown[] }).manifests, []);
  r = await fetch(`${base}/v2/ref/referrers/${sha("unknown")}`);
  assert.equal(r.status, 200);
});

test("cross-repository mount, read-only mode", async (t) => {
  const { base, root } = await start(t);
  const d = await pushBlob(base, "src", "shared");
  let r = await fetch(`${base}/v2/dst/blobs/uploads/?mount=${d}&from=src`, { method: "POST" });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get("location"), `/v2/dst/blobs/${d}`);
  assert.equal((await fetch(`${base}/v2/dst/blobs/${d}`, { method: "HEAD" })).status, 200);
  r = await fetch(`${base}/v2/dst2/blobs/uploads/?mount=${d}&from=empty`, { method: "POST" });
  assert.equal(r.status, 202);

  const ro = await start(t, { root, readOnly: true });
  r = await fetch(`${ro.base}/v2/x/blobs/uploads/`, { method: "POST" });
  assert.equal(r.status, 405);
  assert.equal(await r.text(), "Method not allowed\n");
  r = await fetch(`${ro.base}/v2/src/blobs/${d}`, { method: "DELETE" });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get("allow"), "GET, HEAD");
  r = await fetch(`${ro.base}/v2/src/manifests/x`, { method: "PUT", body: "{}" });
  assert.equal(r.status, 405);
  assert.equal((await fetch(`${ro.base}/v2/src/blobs/${d}`)).status, 200);
});

function raw(base: string, method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("malformed requests get distribution errors, never a crash", async (t) => {
  const { base } = await start(t);
  const cases: [string, string, Record<string, string>?, string?][] = [
    ["GET", "/v2/../../etc/passwd/manifests/x"],
    ["GET", "/v2/a/manifests/%00"],
    ["PUT", "/v2/a/manifests/" + "x".repeat(300), {}, "{}"],
    ["GET", "/v2/a/blobs/sha256:zz"],
    ["GET", "/v2/a/blobs/md5:abc"],
    ["PATCH", "/v2/a/blobs/uploads/not-a-uuid", {}, "x"],
    ["PUT", "/v2/a/blobs/uploads/00000000-0000-0000-0000-000000000000?digest=sha256:1", {}, ""],
    ["POST", "/v2/a/blobs/uploads/?digest=garbage", {}, "x"],
    ["POST", "/v2/a/blobs/uploads/?mount=x&from=../..", {}],
    ["GET", "/v2/a/tags/list?n=abc"],
    ["GET", "/v2/_catalog?n=99999999999999"],
    ["BREW", "/v2/a/manifests/x"],
    ["GET", "/v2/a/blobs/sha256:" + "0".repeat(64), { Range: "bytes=oops" }],
    ["PUT", "/v2/a/manifests/t", { "Content-Type": "text/plain" }, '{"schemaVersion":2,"manifests":"no"}'],
    ["GET", "//v2//"],
    ["GET", "/v2/a/referrers/sha256:nothex"],
  ];
  for (const [m, p, h, b] of cases) {
    const status = await raw(base, m, p, h, b);
    assert.ok(status >= 400 && status < 500, `${m} ${p} → ${status}`);
  }
  for (let i = 0; i < 50; i++) {
    const junk = Buffer.from(Array.from({ length: 20 }, () => Math.floor(Math.random() * 94) + 33)).toString().replace(/[?#]/g, "");
    const status = await raw(base, ["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"][i % 6] ?? "GET", `/v2/${junk}/manifests/${junk}`, {}, junk);
    assert.ok(status < 500, `junk ${junk} → ${status}`);
  }
  assert.equal((await fetch(`${base}/v2/`)).status, 200);
});

function token(key: import("node:crypto").KeyObject, access: object[]): string {
  const now = Math.floor(Date.now() / 1000);
  const h = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");
  const p = Buffer.from(JSON.stringify({ iss: "iss", aud: "svc", sub: "u", exp: now + 60, nbf: now - 1, access })).toString("base64url");
  return `${h}.${p}.${sign("sha256", Buffer.from(`${h}.${p}`), key).toString("base64url")}`;
}

test("bearer tokens: challenge, scopes, mount needs pull on the source", async (t) => {
  const kp = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const auth = new TokenAuthenticator({ issuer: "iss", service: "svc", keys: [kp.publicKey] }, "http://127.0.0.1:1/token");
  const open = await start(t);
  const { base } = await start(t, { root: open.root, auth });
  const d = await pushBlob(open.base, "src", "data");
  let r = await fetch(`${base}/v2/src/blobs/${d}`, { method: "HEAD" });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="http://127.0.0.1:1/token",service="svc",scope="repository:src:pull"');
  const pull = token(kp.privateKey, [{ type: "repository", name: "src", actions: ["pull"] }]);
  r = await fetch(`${base}/v2/src/blobs/${d}`, { headers: { Authorization: `Bearer ${pull}` } });
  assert.equal(await r.text(), "data");
  r = await fetch(`${base}/v2/src/blobs/uploads/`, { method: "POST", headers: { Authorization: `Bearer ${pull}` } });
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
  const pushOnly = token(kp.privateKey, [{ type: "repository", name: "dst", actions: ["pull", "push"] }]);
  r = await fetch(`${base}/v2/dst/blobs/uploads/?mount=${d}&from=src`, { method: "POST", headers: { Authorization: `Bearer ${pushOnly}` } });
  assert.equal(r.status, 202);
  const both = token(kp.privateKey, [{ type: "repository", name: "dst", actions: ["pull", "push"] }, { type: "repository", name: "src", actions: ["pull"] }]);
  r = await fetch(`${base}/v2/dst/blobs/uploads/?mount=${d}&from=src`, { method: "POST", headers: { Authorization: `Bearer ${both}` } });
  assert.equal(r.status, 201);
  r = await fetch(`${base}/v2/_catalog`, { headers: { Authorization: `Bearer ${both}` } });
  assert.equal(r.status, 401);
  r = await fetch(`${base}/v2/`, { headers: { Authorization: "Bearer not.a.token" } });
  assert.match(r.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
});

test("basic auth: anonymous clients get 401 everywhere", async (t) => {
  const hash = bcrypt.hashSync("pw", 4);
  const { base } = await start(t, { auth: new BasicAuthenticator(new Htpasswd(`u:${hash}\n`)) });
  const good = { Authorization: `Basic ${Buffer.from("u:pw").toString("base64")}` };
  const bad = { Authorization: `Basic ${Buffer.from("u:nope").toString("base64")}` };
  const d = sha("x");
  const endpoints: [string, string][] = [
    ["GET", "/v2/"], ["GET", "/v2/_catalog"], ["GET", "/v2/a/tags/list"], ["HEAD", "/v2/a/manifests/t"], ["GET", "/v2/a/manifests/t"],
    ["PUT", "/v2/a/manifests/t"], ["DELETE", "/v2/a/manifests/t"], ["HEAD", `/v2/a/blobs/${d}`], ["GET", `/v2/a/blobs/${d}`],
    ["DELETE", `/v2/a/blobs/${d}`], ["POST", "/v2/a/blobs/uploads/"], ["POST", `/v2/a/blobs/uploads/?mount=${d}&from=b`],
    ["PATCH", "/v2/a/blobs/uploads/00000000-0000-0000-0000-000000000000"], ["GET", `/v2/a/referrers/${d}`], ["GET", "/v2/../x/tags/list"], ["GET", "/nowhere"],
  ];
  for (const [m, p] of endpoints) {
    for (const h of [{}, bad]) {
      const r = await fetch(base + p, { method: m, headers: h });
      assert.equal(r.status, 401, `${m} ${p}`);
      assert.equal(r.headers.get("www-authenticate"), 'Basic realm="berth-registry"');
      if (m !== "HEAD") assert.equal(await errCode(r), "UNAUTHORIZED");
    }
  }
  assert.equal((await fetch(`${base}/v2/`, { headers: good })).status, 200);
  const r = await fetch(`${base}/v2/a/blobs/uploads/?digest=${d}`, { method: "POST", headers: good, body: "x" });
  assert.equal(r.status, 201);
});

test("gc removes unreferenced blobs, keeps referenced ones and uploads in progress", async (t) => {
  const { base, root } = await start(t);
  const md = await pushImage(base, "g", "v1");
  const orphan = await pushBlob(base, "g", "orphan");
  // an upload in progress: one chunk sent
  const s = await fetch(`${base}/v2/g/blobs/uploads/`, { method: "POST" });
  const loc = s.headers.get("location") ?? "";
  await fetch(base + loc, { method: "PATCH", body: "in " });

  const young = await collectGarbage(root, { graceMs: 3_600_000 });
  assert.deepEqual(young.removed, []);
  const dry = await collectGarbage(root, { graceMs: 0, dryRun: true });
  assert.deepEqual(dry.removed, [orphan]);
  assert.equal((await fetch(`${base}/v2/g/blobs/${orphan}`, { method: "HEAD" })).status, 200);
  const res = await collectGarbage(root, { graceMs: 0 });
  assert.deepEqual(res.removed, [orphan]);
  assert.equal((await fetch(`${base}/v2/g/blobs/${orphan}`, { method: "HEAD" })).status, 404);
  // the image still pulls
  const m = (await (await fetch(`${base}/v2/g/manifests/v1`)).json()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const dd of [m.config.digest, ...m.layers.map((l) => l.digest), md]) assert.equal((await fetch(`${base}/v2/g/blobs/${dd}`, { method: "HEAD" })).status, 200, dd);
  // the upload finishes after gc
  const r = await fetch(`${base}${loc}?digest=${sha("in progress")}`, { method: "PUT", body: "progress" });
  assert.equal(r.status, 201);
  assert.equal(await (await fetch(`${base}/v2/g/blobs/${sha("in progress")}`)).text(), "in progress");
});

test("dot segments are not resolved before the name is checked", async (t) => {
  const { base } = await start(t);
  await pushImage(base, "b", "v1");
  for (const p of ["/v2/a/../b/manifests/v1", "/v2/../b/manifests/v1", "/v2/b/./manifests/v1"]) {
    assert.equal(await raw(base, "GET", p), 400, p);
  }
});

test("an upload session survives a server restart", async (t) => {
  const root = tmp(t);
  const s1 = new RegistryServer({ root });
  const base1 = `http://${await s1.listen("127.0.0.1", 0)}`;
  const loc = (await fetch(`${base1}/v2/r/blobs/uploads/`, { method: "POST" })).headers.get("location") ?? "";
  assert.equal((await fetch(base1 + loc, { method: "PATCH", body: "first " })).status, 202);
  await s1.close();
  const { base } = await start(t, { root });
  const st = await fetch(base + loc);
  assert.equal(st.headers.get("range"), "0-5");
  const r = await fetch(`${base}${loc}?digest=${sha("first second")}`, { method: "PUT", headers: { "Content-Range": "6-11" }, body: "second" });
  assert.equal(r.status, 201);
  assert.equal(await (await fetch(`${base}/v2/r/blobs/${sha("first second")}`)).text(), "first second");
});

test("Expect: 100-continue is answered only after authentication", async (t) => {
  const hash = bcrypt.hashSync("pw", 4);
  const { base } = await start(t, { auth: new BasicAuthenticator(new Htpasswd(`u:${hash}\n`)) });
  const u = new URL(base);
  const attempt = (auth?: string): Promise<{ status: number; continued: boolean }> =>
    new Promise((resolve, reject) => {
      let continued = false;
      const headers: Record<string, string> = { Expect: "100-continue", "Content-Length": "5" };
      if (auth) headers["Authorization"] = auth;
      const req = request({ host: u.hostname, port: u.port, method: "POST", path: `/v2/e/blobs/uploads/?digest=${sha("hello")}`, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, continued }));
      });
      req.on("continue", () => {
        continued = true;
        req.end("hello");
      });
      req.on("error", reject);
    });
  assert.deepEqual(await attempt(), { status: 401, continued: false });
  assert.deepEqual(await attempt(`Basic ${Buffer.from("u:pw").toString("base64")}`), { status: 201, continued: true });
});
