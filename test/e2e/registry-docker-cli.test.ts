/**
 * The docker CLI pulls and pushes through berthd against Debian's docker-registry (issue 7, Acceptance
 * "Real peers"): its own progress display ("Pushed", "<tag>: digest: sha256:… size: N", "Pull complete",
 * "Digest:", "Status: Downloaded newer image for …"), and images round-trip with identical digests
 * (the manifest digest the push printed is the registry's, RepoDigests agree, the image ID is kept).
 * skopeo copies from docker-registry to `berth registry serve` and back with identical digests, and
 * berthd pulls the same image from `berth registry serve`.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { makeRandomImage } from "../fixtures/random-image.js";
import { BERTH_JS, startBerthd, type Berthd } from "../helpers/daemon.js";
import { startDistribution } from "../helpers/distribution.js";

const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

function tmpDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(`/tmp/${prefix}`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function ok(d: Berthd, args: string[]): Promise<string> {
  const r = await d.docker(args, { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The registry's digest for a tag (HEAD, Docker-Content-Digest). */
async function registryDigest(url: string, repo: string, tag: string): Promise<string> {
  const r = await fetch(`${url}/v2/${repo}/manifests/${tag}`, { method: "HEAD", headers: { Accept: `${MANIFEST_V2}, ${OCI_MANIFEST}` } });
  assert.equal(r.status, 200, `HEAD ${repo}:${tag} → ${r.status}`);
  return r.headers.get("docker-content-digest") ?? "";
}

function skopeo(args: string[]): string {
  return execFileSync("skopeo", ["--insecure-policy", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
}

/** Starts `berth registry serve` on a free loopback port; undefined when this berth has no such command yet. */
async function startBerthRegistry(t: TestContext, root: string): Promise<{ host: string; url: string } | { missing: string }> {
  const child = spawn(process.execPath, [BERTH_JS, "registry", "serve", "--addr", "127.0.0.1:0", "--root", root], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });
  const addr = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 15_000);
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (!addr) return { missing: out.trim() || "no output" };
  const host = addr.replace(/^https?:\/\//, "");
  return { host, url: `http://${host}` };
}

test("docker CLI push and pull through berthd: docker's progress lines, identical digests and image ID", { timeout: 300_000 }, async (t) => {
  const dir = tmpDir(t, "berth-regcli-");
  const archive = path.join(dir, "img.tar");
  const img = makeRandomImage(archive, "cli/random:1", 3, 2);
  const reg = await startDistribution(t, {});
  const d = await startBerthd(t);
  assert.equal((await d.docker(["load", "-q", "-i", archive])).code, 0);
  const ref = `${reg.host}/cli/random:v1`;
  await ok(d, ["tag", "cli/random:1", ref]);

  const pushed = await ok(d, ["push", ref]);
  t.diagnostic(`push output:\n${pushed}`);
  assert.match(pushed, new RegExp(`The push refers to repository \\[${reg.host.replace(/\./g, "\\.")}/cli/random\\]`));
  assert.equal((pushed.match(/: Pushed$/gm) ?? []).length, 3, "expected one 'Pushed' line per layer");
  const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m.exec(pushed)?.[1];
  assert.ok(digest, "no 'v1: digest: sha256:… size: N' line");
  assert.equal(await registryDigest(reg.url, "cli/random", "v1"), digest, "the printed digest is not the registry's");

  const inspectPushed = JSON.parse(await ok(d, ["image", "inspect", "-f", "{{json .RepoDigests}}", ref])) as string[];
  assert.ok(inspectPushed.includes(`${reg.host}/cli/random@${digest}`), `RepoDigests after push: ${inspectPushed.join(", ")}`);

  // A second push of the same image skips every layer.
  const again = await ok(d, ["push", ref]);
  assert.equal((again.match(/: Layer already exists$/gm) ?? []).length, 3, `second push:\n${again}`);

  await ok(d, ["rmi", ref, "cli/random:1"]);
  const pulled = await ok(d, ["pull", ref]);
  t.diagnostic(`pull output:\n${pulled}`);
  assert.equal((pulled.match(/: Pull complete$/gm) ?? []).length, 3, "expected one 'Pull complete' line per layer");
  assert.match(pulled, new RegExp(`^Digest: ${digest}$`, "m"));
  assert.match(pulled, new RegExp(`^Status: Downloaded newer image for ${reg.host.replace(/\./g, "\\.")}/cli/random:v1$`, "m"));
  assert.equal((await ok(d, ["image", "inspect", "-f", "{{.Id}}", ref])).trim(), img.id, "the image ID changed across push and pull");
  const inspectPulled = JSON.parse(await ok(d, ["image", "inspect", "-f", "{{json .RepoDigests}}", ref])) as string[];
  assert.deepEqual(inspectPulled, inspectPushed, "RepoDigests differ between the pushed and the pulled image");

  const upToDate = await ok(d, ["pull", ref]);
  assert.match(upToDate, new RegExp(`Status: Image is up to date for ${reg.host.replace(/\./g, "\\.")}/cli/random:v1`));

  // By digest, into a fresh daemon.
  const d2 = await startBerthd(t);
  const byDigest = await ok(d2, ["pull", `${reg.host}/cli/random@${digest}`]);
  assert.match(byDigest, new RegExp(`Digest: ${digest}`));
  assert.equal((await ok(d2, ["image", "inspect", "-f", "{{.Id}}", `${reg.host}/cli/random@${digest}`])).trim(), img.id);
});

test("skopeo copies docker-registry → berth registry serve → docker-registry with identical digests", { timeout: 300_000 }, async (t) => {
  const dir = tmpDir(t, "berth-regskopeo-");
  const archive = path.join(dir, "img.tar");
  const img = makeRandomImage(archive, "cli/random:1", 2, 2);
  const reg = await startDistribution(t, {});
  skopeo(["copy", "-q", "--dest-tls-verify=false", `docker-archive:${archive}`, `docker://${reg.host}/sk/img:1`]);
  const original = await registryDigest(reg.url, "sk/img", "1");

  const served = await startBerthRegistry(t, path.join(dir, "berth-registry"));
  if ("missing" in served) {
    t.skip(`berth registry serve is not available yet: ${served.missing.split("\n")[0] ?? ""}`);
    return;
  }
  const tls = ["--src-tls-verify=false", "--dest-tls-verify=false"];
  skopeo(["copy", "-q", ...tls, `docker://${reg.host}/sk/img:1`, `docker://${served.host}/sk/img:1`]);
  assert.equal(await registryDigest(served.url, "sk/img", "1"), original, "berth registry serve changed the manifest digest");
  const inspected = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${served.host}/sk/img:1`])) as { Digest: string; Layers: string[] };
  assert.equal(inspected.Digest, original);
  assert.equal(inspected.Layers.length, 2);

  skopeo(["copy", "-q", ...tls, `docker://${served.host}/sk/img:1`, `docker://${reg.host}/sk/back:1`]);
  assert.equal(await registryDigest(reg.url, "sk/back", "1"), original, "the round trip changed the manifest digest");

  // berthd pulls the same image from berth's registry.
  const d = await startBerthd(t);
  const pulled = await ok(d, ["pull", `${served.host}/sk/img:1`]);
  assert.match(pulled, new RegExp(`Digest: ${original}`));
  assert.equal((await ok(d, ["image", "inspect", "-f", "{{.Id}}", `${served.host}/sk/img:1`])).trim(), img.id);
});
