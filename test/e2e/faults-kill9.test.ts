/**
 * Crash safety: berthd is killed with SIGKILL in the middle of loading a big image (50 MB of random
 * data in 5 layers), then restarted. No partial image may be visible; after `image prune -a -f` no
 * blob may remain in content/blobs/sha256 that no listed image uses, nothing in content/ingest, and
 * no snapshot directory; and the daemon still loads and lists images.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { makeRandomImage } from "../fixtures/random-image.js";
import { BERTH_JS, sleep, startBerthd } from "../helpers/daemon.js";

function listDir(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

/** Files under `root`, relative, recursively (no symlink following). */
function walk(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of listDir(path.join(root, rel))) {
    const r = path.join(rel, e);
    const st = statSync(path.join(root, r), { throwIfNoEntry: false });
    out.push(r);
    if (st?.isDirectory()) out.push(...walk(root, r));
  }
  return out;
}

/** Directories that look like a snapshot (hold an fs/ dir) or an unpack in progress. */
function snapshotDirs(dataRoot: string): string[] {
  const root = path.join(dataRoot, "snapshots");
  return walk(root).filter((r) => path.basename(r) === "fs" || /^(extract-|new-|tmp-?)/.test(path.basename(r)));
}

/** Bytes in regular files under `root` (the load's progress, wherever berthd puts it). */
function bytesUnder(root: string): number {
  let n = 0;
  for (const r of walk(root)) {
    const st = statSync(path.join(root, r), { throwIfNoEntry: false });
    if (st?.isFile()) n += st.size;
  }
  return n;
}

test("kill -9 during a big load leaves no partial image, and prune leaves no orphans", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync("/tmp/berth-kill9-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const big = path.join(dir, "big.tar");
  const img = makeRandomImage(big, "big/image:1", 5, 10);
  const small = path.join(dir, "busybox.tar");
  const bb = makeBusyboxArchive(small, { tag: "busybox:latest" });

  const d = await startBerthd(t);
  assert.equal((await d.berth(["load", "-i", small])).code, 0);

  // Start the load, and kill berthd once it has written about 10 MB of the 50 MB for it.
  const before = bytesUnder(d.dataRoot);
  const cli = spawn(process.execPath, [BERTH_JS, "load", "-i", big], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
  let cliOut = "";
  cli.stdout.on("data", (c: Buffer) => (cliOut += c.toString()));
  cli.stderr.on("data", (c: Buffer) => (cliOut += c.toString()));
  const cliDone = new Promise<void>((r) => cli.on("close", () => r()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && bytesUnder(d.dataRoot) - before < 10_000_000 && cli.exitCode === null) await sleep(10);
  const loadedBeforeKill = /Loaded image/.test(cliOut);
  await d.kill9();
  await cliDone;
  t.diagnostic(`killed after ${((bytesUnder(d.dataRoot) - before) / 1e6).toFixed(1)} MB written; CLI said: ${cliOut.trim()}`);
  assert.ok(!loadedBeforeKill, "the load finished before the kill: the test proved nothing");

  await d.restart();
  const listed = await d.berth(["images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout.trim(), `${bb.id} busybox:latest`, "a partial image is visible after the crash");
  const insp = await d.berth(["image", "inspect", img.id]);
  assert.notEqual(insp.code, 0, "the half-loaded image can be inspected");

  // Everything in content now must belong to busybox (config, layer, manifest) — nothing of big/image.
  const allowed = new Set([bb.id, bb.manifestDigest, ...bb.diffIds].map((x) => x.slice(7)));
  const bigDigests = new Set([img.id, img.manifestDigest, ...img.diffIds].map((x) => x.slice(7)));
  const blobsDir = path.join(d.dataRoot, "content", "blobs", "sha256");

  const pr = await d.berth(["image", "prune", "-a", "-f"]);
  assert.equal(pr.code, 0, pr.stderr);
  const left = listDir(blobsDir);
  assert.deepEqual(left.filter((b) => bigDigests.has(b)), [], "blobs of the killed load survived prune");
  assert.deepEqual(left, [], `orphan blobs after prune -a: ${left.join(", ")} (busybox's were ${[...allowed].join(", ")})`);
  assert.deepEqual(listDir(path.join(d.dataRoot, "content", "ingest")), [], "ingest leftovers");
  assert.deepEqual(snapshotDirs(d.dataRoot), [], "snapshot dirs left after prune -a");
  assert.equal((await d.berth(["images", "-a", "-q"])).stdout.trim(), "");

  // And the daemon still works: the same big load now completes.
  const again = await d.berth(["load", "-i", big], { timeoutMs: 180_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Loaded image: big\/image:1/);
  assert.equal((await d.berth(["image", "inspect", "-f", "{{.Id}}", "big/image:1"])).stdout.trim(), img.id);
});
