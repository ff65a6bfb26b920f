/**
 * Registry auth (issue 7, Acceptance "Real peers" and "Bad input"): Debian's docker-registry with TLS
 * and htpasswd (bcryptjs hashes), and behind the test token service. The docker CLI logs in through
 * berthd (POST /auth, DOCKER_CONFIG in the daemon's temp dir): a wrong password gives docker's 401
 * message, the right one "Login Succeeded"; push and pull with the stored credentials round-trip the
 * image; without credentials a push is denied.
 *
 * TLS: 127.0.0.0/8 registries are insecure by default (as in docker), so berthd reaches them without a
 * CA. The CA is also written in docker's certs.d layout into the test's temp dir, and handed to berthd
 * when it has a flag for its certs directory (it reads /etc/berth/certs.d and /etc/docker/certs.d by
 * default; the tests never write there).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { BERTHD_JS, startBerthd, type Berthd } from "../helpers/daemon.js";
import { startDistribution } from "../helpers/distribution.js";
import { startTokenService } from "../helpers/token-service.js";

const USER = "alice";
const PASSWORD = "s3cret-pw";

/** docker's message for a refused login to a basic-auth registry (moby registry/auth.go loginV2). */
const DOCKER_401_BASIC = /Error response from daemon: login attempt to https:\/\/(127\.0\.0\.1|localhost):\d+\/v2\/ failed with status: 401 Unauthorized/;
/** … and when the token server refuses the credentials (its 401 body's `details`, as Docker Hub sends). */
const DOCKER_401_TOKEN = /Error response from daemon: Get "?https?:\/\/(127\.0\.0\.1|localhost):\d+\/v2\/"?: unauthorized: incorrect username or password/;

function tmpDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(`/tmp/${prefix}`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The berthd flag that names a certs.d directory, if this berthd has one. */
function certsDirFlag(): string | undefined {
  const r = spawnSync(process.execPath, [BERTHD_JS, "--help"], { encoding: "utf8", timeout: 10_000 });
  const help = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  return ["--certs-dir", "--registry-certs-dir", "--certs-d"].find((f) => help.includes(f));
}

/** A berthd with busybox loaded; the registry CA (if any) in a certs.d layout of its own. */
async function daemonWithBusybox(t: TestContext, regHost: string, caFile?: string): Promise<{ d: Berthd; id: string }> {
  const dir = tmpDir(t, "berth-regauth-");
  const args: string[] = [];
  if (caFile) {
    const hostDir = path.join(dir, "certs.d", regHost);
    mkdirSync(hostDir, { recursive: true });
    copyFileSync(caFile, path.join(hostDir, "ca.crt"));
    const flag = certsDirFlag();
    if (flag) args.push(flag, path.join(dir, "certs.d"));
    else t.diagnostic("berthd has no flag for its certs.d directory: relying on 127.0.0.0/8 being insecure (CA in certs.d not exercised)");
  }
  const archive = path.join(dir, "busybox.tar");
  const bb = makeBusyboxArchive(archive, { tag: "busybox:latest" });
  const d = await startBerthd(t, { args });
  const r = await d.docker(["load", "-q", "-i", archive]);
  assert.equal(r.code, 0, r.stderr);
  return { d, id: bb.id };
}

async function login(d: Berthd, host: string, user: string, password: string): Promise<{ code: number; out: string }> {
  const r = await d.docker(["login", "-u", user, "--password-stdin", host], { input: `${password}\n`, timeoutMs: 60_000 });
  return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
}

async function ok(d: Berthd, args: string[]): Promise<string> {
  const r = await d.docker(args, { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function imageId(d: Berthd, ref: string): Promise<string> {
  const r = await d.docker(["image", "inspect", "-f", "{{.Id}}", ref]);
  return r.code === 0 ? r.stdout.trim() : "";
}

test("the token service's tokens are accepted by docker-registry (plain fetch)", { timeout: 60_000 }, async (t) => {
  const dir = tmpDir(t, "berth-token-");
  const ts = await startTokenService(t, { issuer: "berth-test-issuer", service: "berth-test-registry", users: { [USER]: PASSWORD }, certDir: dir });
  const reg = await startDistribution(t, { token: { realm: ts.realm, service: "berth-test-registry", issuer: "berth-test-issuer", rootCertBundle: ts.certFile } });

  const ping = await fetch(`${reg.url}/v2/`);
  assert.equal(ping.status, 401);
  const challenge = ping.headers.get("www-authenticate") ?? "";
  assert.match(challenge, /^Bearer /);
  assert.ok(challenge.includes(`realm="${ts.realm}"`), challenge);
  assert.ok(challenge.includes('service="berth-test-registry"'), challenge);

  const token = async (scope: string, creds?: string): Promise<{ status: number; token: string }> => {
    const r = await fetch(`${ts.realm}?service=berth-test-registry&scope=${encodeURIComponent(scope)}`, {
      headers: creds ? { Authorization: `Basic ${Buffer.from(creds).toString("base64")}` } : {},
    });
    if (r.status !== 200) return { status: r.status, token: "" };
    const body = (await r.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.equal(body.token, body.access_token);
    assert.ok(body.expires_in > 0 && !Number.isNaN(Date.parse(body.issued_at)));
    return { status: 200, token: body.token };
  };
  const upload = (tok: string): Promise<Response> => fetch(`${reg.url}/v2/tok/repo/blobs/uploads/`, { method: "POST", headers: { Authorization: `Bearer ${tok}` } });

  const user = await token("repository:tok/repo:pull,push", `${USER}:${PASSWORD}`);
  assert.equal(user.status, 200);
  assert.equal((await upload(user.token)).status, 202, "distribution refused a push token");
  const [, payload] = user.token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  assert.equal(claims["iss"], "berth-test-issuer");
  assert.equal(claims["aud"], "berth-test-registry");
  assert.equal(claims["sub"], USER);
  assert.deepEqual(claims["access"], [{ type: "repository", name: "tok/repo", actions: ["pull", "push"] }]);

  assert.equal((await token("repository:tok/repo:pull,push", `${USER}:wrong`)).status, 401);
  assert.equal((await token("repository:tok/repo:pull,push", `mallory:${PASSWORD}`)).status, 401);
  const anon = await token("repository:tok/repo:pull,push");
  assert.equal(anon.status, 200);
  assert.equal((await upload(anon.token)).status, 401, "an anonymous token allowed a push");
  const list = await fetch(`${reg.url}/v2/tok/repo/tags/list`, { headers: { Authorization: `Bearer ${anon.token}` } });
  assert.notEqual(list.status, 401, "an anonymous token was refused a pull");
  // A token signed by another key (a second service's) is refused.
  const other = await startTokenService(t, { issuer: "berth-test-issuer", service: "berth-test-registry", users: { [USER]: PASSWORD }, certDir: path.join(dir, "other") });
  const forged = await fetch(`${other.realm}?service=berth-test-registry&scope=repository:tok/repo:pull,push`, {
    headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` },
  });
  assert.equal((await upload(((await forged.json()) as { token: string }).token)).status, 401, "a token from an untrusted key was accepted");
});

test("TLS + htpasswd registry: docker login through berthd, push and pull with credentials", { timeout: 300_000 }, async (t) => {
  const reg = await startDistribution(t, { tls: true, htpasswd: { user: USER, password: PASSWORD } });
  const { d, id } = await daemonWithBusybox(t, reg.host, reg.caFile);

  // Anonymous push is refused before any login.
  const ref = `${reg.host}/auth/busybox:1`;
  await ok(d, ["tag", "busybox:latest", ref]);
  const anon = await d.docker(["push", ref], { timeoutMs: 60_000 });
  assert.notEqual(anon.code, 0, "an anonymous push to an htpasswd registry succeeded");
  assert.match(`${anon.stdout}${anon.stderr}`, /unauthorized|authentication required|no basic auth credentials|denied|401/i);

  const bad = await login(d, reg.host, USER, "wrong-password");
  assert.notEqual(bad.code, 0, `login with a wrong password succeeded: ${bad.out}`);
  assert.match(bad.out, DOCKER_401_BASIC, "not docker's 401 message");
  assert.doesNotMatch(bad.out, /Login Succeeded/);

  const good = await login(d, reg.host, USER, PASSWORD);
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /Login Succeeded/);

  const pushed = await ok(d, ["push", ref]);
  const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(pushed)?.[1];
  assert.ok(digest, `no digest line in push output:\n${pushed}`);

  // Pull it back (after removing it) with the stored credentials.
  await ok(d, ["rmi", ref, "busybox:latest"]);
  assert.equal(await imageId(d, ref), "");
  const pulled = await ok(d, ["pull", ref]);
  assert.match(pulled, new RegExp(`Digest: ${digest}`));
  assert.equal(await imageId(d, ref), id, "the pulled image ID differs from the pushed one");

  // After logout, the registry refuses anonymous pulls.
  await ok(d, ["logout", reg.host]);
  await ok(d, ["rmi", ref]);
  const anonPull = await d.docker(["pull", ref], { timeoutMs: 60_000 });
  // A 401 from POST /images/create makes the docker CLI prompt for a login ("Login prior to pull:") and
  // wait for input; dockerd answers such a pull with an error that is not a 401 ("no basic auth credentials").
  assert.doesNotMatch(anonPull.stdout + anonPull.stderr, /Login prior to pull/, "berthd answered the pull with a 401: the docker CLI prompts for a login");
  assert.notEqual(anonPull.code, 0, "an anonymous pull from an htpasswd registry succeeded");
  assert.match(`${anonPull.stdout}${anonPull.stderr}`, /unauthorized|authentication required|no basic auth credentials|denied|401/i);
});

test("behind a token service: login, push and pull work; anonymous push is denied, anonymous pull allowed", { timeout: 300_000 }, async (t) => {
  const dir = tmpDir(t, "berth-token-");
  const service = "berth-test-registry";
  const issuer = "berth-test-issuer";
  const ts = await startTokenService(t, { issuer, service, users: { [USER]: PASSWORD }, certDir: dir, anonymous: "pull" });
  const reg = await startDistribution(t, { token: { realm: ts.realm, service, issuer, rootCertBundle: ts.certFile } });
  const { d, id } = await daemonWithBusybox(t, reg.host);
  const ref = `${reg.host}/tok/busybox:1`;
  await ok(d, ["tag", "busybox:latest", ref]);

  const anon = await d.docker(["push", ref], { timeoutMs: 60_000 });
  assert.notEqual(anon.code, 0, "an anonymous push through the token service succeeded");
  assert.match(`${anon.stdout}${anon.stderr}`, /denied|unauthorized|insufficient|authentication required/i);

  const bad = await login(d, reg.host, USER, "nope");
  assert.notEqual(bad.code, 0, bad.out);
  assert.match(bad.out, DOCKER_401_TOKEN, "not docker's 401 message");

  const good = await login(d, reg.host, USER, PASSWORD);
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /Login Succeeded/);

  const pushed = await ok(d, ["push", ref]);
  assert.match(pushed, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
  assert.ok(
    ts.requests.some((r) => r.user === USER && r.status === 200 && r.scopes.some((s) => s.startsWith("repository:tok/busybox:") && s.includes("push"))),
    `berthd never asked the token service for a push token as ${USER}: ${JSON.stringify(ts.requests)}`,
  );

  await ok(d, ["rmi", ref, "busybox:latest"]);
  await ok(d, ["pull", ref]);
  assert.equal(await imageId(d, ref), id);

  // Anonymous pull: the token service grants pull to everyone.
  await ok(d, ["logout", reg.host]);
  await ok(d, ["rmi", ref]);
  await ok(d, ["pull", ref]);
  assert.equal(await imageId(d, ref), id);
});
