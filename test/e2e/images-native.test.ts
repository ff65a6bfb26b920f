/** The copy-based ("native") snapshotter behind a real berthd: load, inspect, save, rmi, prune with both CLIs. */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd } from "../helpers/daemon.js";

test("native storage driver: load, inspect, save, rmi and prune work and leave nothing behind", async (t) => {
  const dir = mkdtempSync("/tmp/berth-native-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = await startBerthd(t, { storageDriver: "native" });
  const src = path.join(dir, "bb.tar");
  const fx = makeBusyboxArchive(src, { tag: "busybox:latest" });

  const info = await d.docker(["info", "--format", "{{.Driver}}"]);
  assert.equal(info.stdout.trim(), "native", info.stderr);
  const l = await d.berth(["load", "-i", src]);
  assert.equal(l.code, 0, l.stderr);
  const insp = await d.docker(["image", "inspect", "--format", "{{.Id}} {{json .GraphDriver.Data}}", "busybox"]);
  assert.equal(insp.code, 0, insp.stderr);
  assert.equal(insp.stdout.trim(), `${fx.id} null`);
  const out = path.join(dir, "out.tar");
  assert.equal((await d.berth(["save", "-o", out, "busybox"])).code, 0);
  assert.equal((await d.berth(["tag", "busybox", "other:1"])).code, 0);
  const rm = await d.berth(["rmi", "busybox", "other:1"]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /Deleted: sha256:/);
  assert.equal((await d.berth(["images", "-q"])).stdout, "");
  const again = await d.docker(["load", "-i", out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Loaded image: busybox:latest/);
  assert.equal((await d.berth(["rmi", "busybox"])).code, 0);
  assert.equal((await d.berth(["image", "prune", "-a", "-f"])).code, 0);
  assert.deepEqual(readdirSync(path.join(d.dataRoot, "content", "blobs", "sha256")), []);
});
