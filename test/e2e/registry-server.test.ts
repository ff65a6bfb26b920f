/**
 * `berth registry serve` and `berth registry gc` end to end: the built CLI (dist/berth.cjs) serves on
 * 127.0.0.1 with a fresh root; skopeo pushes the busybox fixture to it and pulls it back with the
 * same digests, over plain HTTP, htpasswd Basic auth, bearer tokens from a test token service, and
 * TLS. Build first: node scripts/build.mjs.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import bcrypt from "bcryptjs";
import { startTokenService } from "../helpers/token-service.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const BERTH = path.join(repoRoot, "dist", "berth.cjs");
const MAKE_BUSYBOX = path.join(repoRoot, "out", "test", "fixtures", "make-busybox.js");
const sha = (b: Buffer | string): string => "sha256:" + createHash("sha256").update(b).digest("hex");

function tmp(t: TestContext): string {
  const d = mkdtempSync("/tmp/berth-registry-e2e-");
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

interface Registry {
  addr: string;
  root: string;
  proc: ChildProcess;
}

/** Starts `berth registry serve --addr 127.0.0.1:0` and reads "listening on ADDR". */
async function serve(t: TestContext, root: string, args: string[] = []): Promise<Registry> {
  const proc = spawn(process.execPath, [BERTH, "registry", "serve", "--addr", "127.0.0.1:0", "--root", root, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    }
  });
  const addr = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /^listening on (\S+)\n/.exec(out);
      if (m) resolve(m[1] ?? "");
    });
    proc.once("exit", (code) => reject(new Error(`registry exited ${code}: ${stderr}`)));
  });
  return { addr, root, proc };
}

/** Runs skopeo without blocking the event loop (the token service answers from this process). */
/** A request whose path goes out as written (fetch would normalize `..`). */
function rawRequest(addr: string, p: string): Promise<{ status: number; body: string }> {
  const [host, port] = addr.split(":");
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path: p, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function skopeo(args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile("skopeo", args, { encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }));
  });
}

/** The busybox docker-archive and its config digest. */
function busybox(dir: string): { tar: string; config: string } {
  const tar = path.join(dir, "busybox.tar");
  const config = execFileSync(process.execPath, [MAKE_BUSYBOX, tar, "busybox:latest"], { encoding: "utf8" }).trim().split("\n").pop() ?? "";
  return { tar, config };
}

/** Pushes the archive, pulls it back to a dir: and checks the digests; returns the manifest digest. */
async function roundTrip(work: string, src: string, dest: string, pushFlags: string[], pullFlags: string[], config: string): Promise<string> {
  const push = await skopeo(["copy", ...pushFlags, `docker-archive:${src}`, dest]);
  assert.ok(push.ok, push.out);
  const out = path.join(work, `pulled-${Math.random().toString(16).slice(2)}`);
  const pull = await skopeo(["copy", ...pullFlags, dest, `dir:${out}`]);
  assert.ok(pull.ok, pull.out);
  const manifest = readFileSync(path.join(out, "manifest.json"));
  const m = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  assert.equal(m.config.digest, config);
  for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) assert.equal(sha(readFileSync(path.join(out, d.slice(7)))), d);
  const inspect = await skopeo(["inspect", ...pullFlags.map((f) => f.replace("--src-", "--")), "--raw", dest]);
  assert.ok(inspect.ok, inspect.out);
  assert.equal(sha(inspect.out), sha(manifest));
  return sha(manifest);
}

test("skopeo copies to and from berth registry serve; the HTTP API end to end", { skip: !existsSync(BERTH) && "run node scripts/build.mjs" }, async (t) => {
  const work = tmp(t);
  const { tar, config } = busybox(work);
  const reg = await serve(t, path.join(work, "root"));
  const base = `http://${reg.addr}`;
  const digest = await roundTrip(work, tar, `docker://${reg.addr}/x/busybox:v1`, ["--dest-tls-verify=false"], ["--src-tls-verify=false"], config);
  let r = await fetch(`${base}/v2/x/busybox/manifests/v1`, { method: "HEAD" });
  assert.equal(r.headers.get("docker-content-digest"), digest);

  // a second tag through a cross-repo push, then tags pagination and catalog
  assert.ok((await skopeo(["copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${reg.addr}/x/busybox:v1`, `docker://${reg.addr}/y/copy:v2`])).ok);
  for (const tag of ["v2", "v3"]) assert.ok((await skopeo(["copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${reg.addr}/x/busybox:v1`, `docker://${reg.addr}/x/busybox:${tag}`])).ok);
  r = await fetch(`${base}/v2/x/busybox/tags/list?n=2`);
  assert.deepEqual(await r.json(), { name: "x/busybox", tags: ["v1", "v2"] });
  assert.equal(r.headers.get("link"), '</v2/x/busybox/tags/list?n=2&last=v2>; rel="next"');
  assert.deepEqual(await (await fetch(`${base}/v2/x/busybox/tags/list?n=2&last=v2`)).json(), { name: "x/busybox", tags: ["v3"] });
  assert.deepEqual(await (await fetch(`${base}/v2/_catalog`)).json(), { repositories: ["x/busybox", "y/copy"] });

  // a bad digest stores nothing; a manifest naming missing blobs fails; `..` is refused
  r = await fetch(`${base}/v2/x/busybox/blobs/uploads/?digest=${sha("claimed")}`, { method: "POST", body: "actual" });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0]?.code, "DIGEST_INVALID");
  assert.ok(!readdirSync(path.join(reg.root, "blobs", "sha256")).includes(sha("actual").slice(7)));
  const missing = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha("no config"), size: 9 }, layers: [] });
  r = await fetch(`${base}/v2/x/busybox/manifests/broken`, { method: "PUT", headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" }, body: missing });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0]?.code, "MANIFEST_BLOB_UNKNOWN");
  assert.equal((await fetch(`${base}/v2/x/busybox/manifests/broken`)).status, 404);
  const dotdot = await skopeo(["copy", "--dest-tls-verify=false", `docker-archive:${tar}`, `docker://${reg.addr}/x/../etc:v1`]);
  assert.ok(!dotdot.ok);
  r = await fetch(`${base}/v2/x/..%2F../tags/list`);
  assert.ok(r.status === 400 || r.status === 404);
  for (const p of ["/v2/a/../b/tags/list", "/v2/../manifests/v1", "/v2/a//b/blobs/uploads/"]) {
    const res = await rawRequest(reg.addr, p);
    assert.equal(res.status, 400, p);
    assert.match(res.body, /NAME_INVALID/);
  }

  // chunked upload
  r = await fetch(`${base}/v2/chunked/blobs/uploads/`, { method: "POST" });
  assert.equal(r.status, 202);
  const loc = r.headers.get("location") ?? "";
  r = await fetch(base + loc, { method: "PATCH", headers: { "Content-Range": "0-2", "Content-Length": "3" }, body: "abc" });
  assert.equal(r.status, 202);
  r = await fetch(base + loc, { method: "PATCH", headers: { "Content-Range": "7-9" }, body: "xyz" });
  assert.equal(r.status, 416);
  r = await fetch(base + loc, { method: "PATCH", headers: { "Content-Range": "3-5" }, body: "def" });
  assert.equal(r.headers.get("range"), "0-5");
  r = await fetch(`${base}${loc}?digest=${sha("abcdefg")}`, { method: "PUT", body: "g" });
  assert.equal(r.status, 201);
  assert.equal(await (await fetch(`${base}/v2/chunked/blobs/${sha("abcdefg")}`)).text(), "abcdefg");

  // referrers: an artifact whose subject is the busybox manifest
  const empty = "{}";
  await fetch(`${base}/v2/x/busybox/blobs/uploads/?digest=${sha(empty)}`, { method: "POST", body: empty });
  const art = JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", artifactType: "application/vnd.example.sbom",
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha(empty), size: 2 }, layers: [],
    subject: { mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest, size: 1 },
  });
  r = await fetch(`${base}/v2/x/busybox/manifests/${sha(art)}`, { method: "PUT", headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" }, body: art });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get("oci-subject"), digest);
  const refs = (await (await fetch(`${base}/v2/x/busybox/referrers/${digest}?artifactType=application/vnd.example.sbom`)).json()) as { manifests: { digest: string }[] };
  assert.deepEqual(refs.manifests.map((m) => m.digest), [sha(art)]);

  // delete: a tag, then the manifest by digest
  assert.equal((await fetch(`${base}/v2/x/busybox/manifests/v3`, { method: "DELETE" })).status, 202);
  assert.equal((await fetch(`${base}/v2/y/copy/manifests/${digest}`, { method: "DELETE" })).status, 202);
  assert.equal((await fetch(`${base}/v2/y/copy/manifests/v2`)).status, 404);
  assert.equal((await fetch(`${base}/v2/x/busybox/manifests/v1`)).status, 200);

  // read-only: a second server on the same root serves pulls and refuses pushes
  const ro = await serve(t, reg.root, ["--read-only"]);
  await roundTripPullOnly(work, `docker://${ro.addr}/x/busybox:v1`, config);
  const push = await skopeo(["copy", "--dest-tls-verify=false", `docker-archive:${tar}`, `docker://${ro.addr}/x/ro:v1`]);
  assert.ok(!push.ok);
  r = await fetch(`http://${ro.addr}/v2/x/busybox/manifests/v1`, { method: "DELETE" });
  assert.equal(r.status, 405);
});

async function roundTripPullOnly(work: string, src: string, config: string): Promise<void> {
  const out = path.join(work, `ro-${Math.random().toString(16).slice(2)}`);
  const pull = await skopeo(["copy", "--src-tls-verify=false", src, `dir:${out}`]);
  assert.ok(pull.ok, pull.out);
  assert.equal((JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as { config: { digest: string } }).config.digest, config);
}

test("htpasswd auth: credentials required everywhere, wrong ones refused", { skip: !existsSync(BERTH) && "run node scripts/build.mjs" }, async (t) => {
  const work = tmp(t);
  const { tar, config } = busybox(work);
  const htpasswd = path.join(work, "htpasswd");
  writeFileSync(htpasswd, `alice:${bcrypt.hashSync("s3cret", 10).replace(/^\$2b\$/, "$2y$")}\n`);
  const reg = await serve(t, path.join(work, "root"), ["--htpasswd", htpasswd]);
  await roundTrip(work, tar, `docker://${reg.addr}/p/busybox:v1`, ["--dest-tls-verify=false", "--dest-creds", "alice:s3cret"], ["--src-tls-verify=false", "--src-creds", "alice:s3cret"], config);
  const wrong = await skopeo(["copy", "--dest-tls-verify=false", "--dest-creds", "alice:nope", `docker-archive:${tar}`, `docker://${reg.addr}/p/busybox:v2`]);
  assert.ok(!wrong.ok);
  assert.match(wrong.out, /unauthorized|authentication required/i);
  const anon = await skopeo(["inspect", "--tls-verify=false", `docker://${reg.addr}/p/busybox:v1`]);
  assert.ok(!anon.ok);
  const base = `http://${reg.addr}`;
  const m = (await (await fetch(`${base}/v2/p/busybox/manifests/v1`, { headers: { Authorization: `Basic ${Buffer.from("alice:s3cret").toString("base64")}`, Accept: "application/vnd.docker.distribution.manifest.v2+json" } })).json()) as { layers: { digest: string }[] };
  const layer = m.layers[0]?.digest ?? "";
  for (const [method, p] of [
    ["GET", "/v2/"], ["GET", "/v2/_catalog"], ["HEAD", "/v2/p/busybox/manifests/v1"], ["GET", "/v2/p/busybox/manifests/v1"],
    ["HEAD", `/v2/p/busybox/blobs/${layer}`], ["GET", `/v2/p/busybox/blobs/${layer}`], ["GET", "/v2/p/busybox/tags/list"],
    ["POST", `/v2/q/blobs/uploads/?mount=${layer}&from=p/busybox`], ["POST", "/v2/q/blobs/uploads/"], ["DELETE", "/v2/p/busybox/manifests/v1"],
    ["GET", `/v2/p/busybox/referrers/${layer}`],
  ] as const) {
    const r = await fetch(base + p, { method });
    assert.equal(r.status, 401, `${method} ${p}`);
    assert.equal(r.headers.get("www-authenticate"), 'Basic realm="berth-registry"');
    const body = Buffer.from(await r.arrayBuffer()).toString();
    if (method !== "HEAD") assert.equal((JSON.parse(body) as { errors: { code: string }[] }).errors[0]?.code, "UNAUTHORIZED");
    assert.ok(!body.includes(layer));
  }
});

test("token auth with a test token service", { skip: !existsSync(BERTH) && "run node scripts/build.mjs" }, async (t) => {
  const work = tmp(t);
  const { tar, config } = busybox(work);
  const ts = await startTokenService(t, { issuer: "test-issuer", service: "berth-test", users: { bob: "pw" }, certDir: path.join(work, "certs"), anonymous: "none" });
  const reg = await serve(t, path.join(work, "root"), ["--token-realm", ts.realm, "--token-service", "berth-test", "--token-issuer", "test-issuer", "--token-cert", ts.certFile]);
  await roundTrip(work, tar, `docker://${reg.addr}/tok/busybox:v1`, ["--dest-tls-verify=false", "--dest-creds", "bob:pw"], ["--src-tls-verify=false", "--src-creds", "bob:pw"], config);
  const r = await fetch(`http://${reg.addr}/v2/tok/busybox/manifests/v1`, { method: "HEAD" });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("www-authenticate"), `Bearer realm="${ts.realm}",service="berth-test",scope="repository:tok/busybox:pull"`);
  assert.ok(!(await skopeo(["inspect", "--tls-verify=false", "--creds", "bob:bad", `docker://${reg.addr}/tok/busybox:v1`])).ok);
});

test("TLS with a CA given to skopeo", { skip: !existsSync(BERTH) && "run node scripts/build.mjs" }, async (t) => {
  const work = tmp(t);
  const { tar, config } = busybox(work);
  const certs = path.join(work, "certs");
  execFileSync("mkdir", ["-p", certs]);
  const o = (args: string[]): void => void execFileSync("openssl", args, { cwd: certs, stdio: "ignore" });
  o(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=berth test CA"]);
  o(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(path.join(certs, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  o(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf"]);
  const caDir = path.join(work, "ca");
  execFileSync("mkdir", ["-p", caDir]);
  writeFileSync(path.join(caDir, "ca.crt"), readFileSync(path.join(certs, "ca.crt")));
  const reg = await serve(t, path.join(work, "root"), ["--tls-cert", path.join(certs, "server.pem"), "--tls-key", path.join(certs, "server.key")]);
  await roundTrip(work, tar, `docker://${reg.addr}/tls/busybox:v1`, ["--dest-cert-dir", caDir], ["--src-cert-dir", caDir], config);
  // without the CA the certificate is not trusted
  assert.ok(!(await skopeo(["inspect", `docker://${reg.addr}/tls/busybox:v1`])).ok);
});

test("registry gc removes an unreferenced blob, not one being uploaded", { skip: !existsSync(BERTH) && "run node scripts/build.mjs" }, async (t) => {
  const work = tmp(t);
  const { tar, config } = busybox(work);
  const reg = await serve(t, path.join(work, "root"));
  const base = `http://${reg.addr}`;
  assert.ok((await skopeo(["copy", "--dest-tls-verify=false", `docker-archive:${tar}`, `docker://${reg.addr}/g/busybox:v1`])).ok);
  const orphan = "an orphan blob";
  assert.equal((await fetch(`${base}/v2/g/busybox/blobs/uploads/?digest=${sha(orphan)}`, { method: "POST", body: orphan })).status, 201);
  let r = await fetch(`${base}/v2/g/busybox/blobs/uploads/`, { method: "POST" });
  const loc = r.headers.get("location") ?? "";
  await fetch(base + loc, { method: "PATCH", body: "half of " });

  const gc = (args: string[]): string => execFileSync(process.execPath, [BERTH, "registry", "gc", "--root", reg.root, ...args], { encoding: "utf8" });
  assert.doesNotMatch(gc([]), /remove/); // everything is younger than the default grace period
  assert.match(gc(["--grace", "0s", "--dry-run"]), new RegExp(`would remove blob ${sha(orphan)}`));
  assert.equal((await fetch(`${base}/v2/g/busybox/blobs/${sha(orphan)}`, { method: "HEAD" })).status, 200);
  const out = gc(["--grace=0s"]);
  assert.match(out, new RegExp(`removed blob ${sha(orphan)}`));
  assert.equal(out.match(/removed blob/g)?.length, 1, out);
  assert.equal((await fetch(`${base}/v2/g/busybox/blobs/${sha(orphan)}`, { method: "HEAD" })).status, 404);
  r = await fetch(`${base}${loc}?digest=${sha("half of a blob")}`, { method: "PUT", body: "a blob" });
  assert.equal(r.status, 201);
  await roundTripPullOnly(work, `docker://${reg.addr}/g/busybox:v1`, config);
});
