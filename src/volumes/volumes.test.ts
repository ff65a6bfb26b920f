import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { StateDb } from "../state/index.js";
import { isConflict, isInvalidArgument, isNotFound } from "../errdefs/index.js";
import { VolumeService } from "./volume-service.js";
import { validateVolumeName } from "./names.js";
import { matchesList, prunable } from "./filters.js";
import { localMountSpec, validateLocalOptions } from "./local-driver.js";

const v142 = { apiVersion: "1.44" };
const v141 = { apiVersion: "1.41" };

function setup(t: { after: (fn: () => void) => void }): { svc: VolumeService; root: string; state: StateDb } {
  const root = mkdtempSync(path.join(tmpdir(), "berth-vol-"));
  const state = StateDb.memory();
  t.after(() => {
    state.close();
    rmSync(root, { recursive: true, force: true });
  });
  return { svc: new VolumeService({ state, dataRoot: root }), root, state };
}

test("volume names are validated with docker's message", () => {
  validateVolumeName("data");
  validateVolumeName("a.b_c-d9");
  for (const bad of ["a", "-x", "_x", "a/b", "a b", "..", "x:y", ""]) {
    assert.throws(() => validateVolumeName(bad), (e: Error) => {
      assert.ok(isInvalidArgument(e));
      assert.equal(
        e.message,
        `"${bad}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
      return true;
    });
  }
});

test("list filters: dangling, name substring, label, driver", () => {
  const v = { name: "mydata", driver: "local", labels: { a: "1", b: "" }, inUse: false };
  assert.ok(matchesList(v, { dangling: ["true"] }));
  assert.ok(!matchesList(v, { dangling: ["false"] }));
  assert.ok(!matchesList({ ...v, inUse: true }, { dangling: ["true"] }));
  assert.ok(matchesList(v, { name: ["data"] }));
  assert.ok(!matchesList(v, { name: ["other"] }));
  assert.ok(matchesList(v, { label: ["a=1", "b"] }));
  assert.ok(!matchesList(v, { label: ["a=2"] }));
  assert.ok(matchesList(v, { driver: ["local"] }));
  assert.ok(!matchesList(v, { driver: ["nfs"] }));
});

test("prune rules: in-use never, anonymous-only from 1.42 unless all=true, label filters", () => {
  const named = { name: "n", driver: "local", labels: { keep: "yes" }, inUse: false, anonymous: false };
  const anon = { ...named, name: "a".repeat(64), labels: {}, anonymous: true };
  assert.ok(!prunable(named, {}, true));
  assert.ok(prunable(named, {}, false));
  assert.ok(prunable(named, { all: ["true"] }, true));
  assert.ok(prunable(anon, {}, true));
  assert.ok(!prunable({ ...anon, inUse: true }, { all: ["true"] }, true));
  assert.ok(!prunable(named, { all: ["true"], "label!": ["keep"] }, true));
  assert.ok(prunable(named, { all: ["true"], label: ["keep=yes"] }, true));
  assert.ok(!prunable(named, { all: ["true"], label: ["keep=no"] }, true));
});

test("local driver options: known keys only, docker's errors", () => {
  validateLocalOptions({});
  validateLocalOptions({ type: "tmpfs", device: "tmpfs", o: "size=1m" });
  assert.throws(() => validateLocalOptions({ type: "tmpfs", o: "size=1m" }), /missing required option: "device"/);
  assert.throws(() => validateLocalOptions({ o: "size=1m" }), /missing required option: "device"/);
  validateLocalOptions({ type: "none", o: "bind", device: "/srv" });
  assert.throws(() => validateLocalOptions({ foo: "x" }), /invalid option: "foo"/);
  assert.throws(() => validateLocalOptions({ type: "ext4" }), /missing required option: "device"/);
  assert.throws(() => validateLocalOptions({ device: "/dev/sda" }), /missing required option: "type"/);
  assert.deepEqual(localMountSpec({ type: "none", o: "bind", device: "/srv" }), { type: "bind", source: "/srv", options: ["bind"] });
  assert.deepEqual(localMountSpec({ type: "tmpfs", o: "size=1m,uid=5" }), { type: "tmpfs", source: "tmpfs", options: ["size=1m", "uid=5"] });
  assert.equal(localMountSpec({}), undefined);
});

test("create, inspect shape, list, remove", async (t) => {
  const { svc, root } = setup(t);
  const v = await svc.create({ Name: "data", Labels: { l: "1" } }, v142);
  assert.equal(v.Name, "data");
  assert.equal(v.Driver, "local");
  assert.equal(v.Scope, "local");
  assert.equal(v.Mountpoint, path.join(root, "volumes", "data", "_data"));
  assert.deepEqual(v.Labels, { l: "1" });
  assert.deepEqual(v.Options, {});
  assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(existsSync(v.Mountpoint));
  // creating again returns the same volume
  assert.equal((await svc.create({ Name: "data" }, v142)).CreatedAt, v.CreatedAt);
  const unnamed = await svc.create({}, v142);
  assert.match(unnamed.Name, /^[0-9a-f]{64}$/);
  assert.ok(!("com.docker.volume.anonymous" in unnamed.Labels), "volume create without a name is not anonymous");
  await svc.remove(unnamed.Name, { force: false }, v142);
  const anonRec = svc.createAnonymous();
  const anon = await svc.inspect(anonRec.name, v142);
  assert.ok("com.docker.volume.anonymous" in anon.Labels);
  assert.deepEqual((await svc.list({ filters: {} }, v142)).Volumes.map((x) => x.Name).sort(), [anon.Name, "data"].sort());
  assert.deepEqual((await svc.list({ filters: { label: ["l=1"] } }, v142)).Volumes.map((x) => x.Name), ["data"]);
  await assert.rejects(svc.create({ Name: "bad/name" }, v142), isInvalidArgument);
  await assert.rejects(svc.create({ Name: "x1", DriverOpts: { bogus: "1" } }, v142), /invalid option: "bogus"/);
  assert.ok(!existsSync(path.join(root, "volumes", "x1")), "a refused create leaves no directory");
  await assert.rejects(svc.create({ Name: "x2", DriverOpts: { type: "none", o: "bind", device: root } }, v142), /data root/);
  await assert.rejects(svc.inspect("nope", v142), (e: Error) => isNotFound(e) && e.message === "get nope: no such volume");
  await svc.remove("data", { force: false }, v142);
  assert.ok(!existsSync(path.join(root, "volumes", "data")));
  await assert.rejects(svc.remove("data", { force: false }, v142), isNotFound);
  await svc.remove("data", { force: true }, v142);
});

test("an in-use volume cannot be removed (409 text) nor pruned; release frees it", async (t) => {
  const { svc } = setup(t);
  await svc.create({ Name: "used" }, v142);
  svc.addRefs([{ containerId: "c1", destination: "/d", volume: "used" }]);
  await assert.rejects(svc.remove("used", { force: true }, v142), (e: Error) => isConflict(e) && e.message === "remove used: volume is in use - [c1]");
  assert.deepEqual((await svc.list({ filters: { dangling: ["true"] } }, v142)).Volumes, []);
  assert.deepEqual((await svc.prune({ filters: { all: ["true"] } }, v142)).VolumesDeleted, []);
  assert.deepEqual(svc.release("c1"), []);
  await svc.remove("used", { force: false }, v142);
});

test("prune: anonymous only from API 1.42, everything unused before, SpaceReclaimed counts bytes", async (t) => {
  const { svc } = setup(t);
  const named = await svc.create({ Name: "named" }, v142);
  const anon = await svc.inspect(svc.createAnonymous().name, v142);
  writeFileSync(path.join(anon.Mountpoint, "f"), "12345");
  const r1 = await svc.prune({ filters: {} }, v142);
  assert.deepEqual(r1.VolumesDeleted, [anon.Name]);
  assert.equal(r1.SpaceReclaimed, 5);
  const r2 = await svc.prune({ filters: {} }, v141);
  assert.deepEqual(r2.VolumesDeleted, [named.Name]);
});

test("recover sweeps directories without a row and drops refs of missing containers", async (t) => {
  const { svc, root, state } = setup(t);
  await svc.create({ Name: "keep" }, v142);
  mkdirSync(path.join(root, "volumes", "half", "_data"), { recursive: true });
  writeFileSync(path.join(root, "volumes", "half", "_data", "x"), "x");
  svc.addRefs([{ containerId: "gone", destination: "/d", volume: "keep" }]);
  const again = new VolumeService({ state, dataRoot: root });
  await again.recover(new Set(["other"]));
  assert.ok(!existsSync(path.join(root, "volumes", "half")));
  assert.ok(existsSync(path.join(root, "volumes", "keep", "_data")));
  await again.remove("keep", { force: false }, v142);
});
