import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseBind, parseMountSpec, planMounts } from "./mounts.js";

test("-v parsing: named, bind, anonymous, modes", () => {
  assert.deepEqual(
    (({ type, source, destination, rw }) => ({ type, source, destination, rw }))(parseBind("data:/d:ro")),
    { type: "volume", source: "data", destination: "/d", rw: false },
  );
  const b = parseBind("/host/dir/:/d/");
  assert.equal(b.type, "bind");
  assert.equal(b.source, "/host/dir/");
  assert.equal(b.destination, "/d");
  assert.equal(b.rw, true);
  const a = parseBind("/anon");
  assert.equal(a.type, "volume");
  assert.equal(a.source, "");
  assert.equal(parseBind("/h:/d:rshared").propagation, "rshared");
  assert.equal(parseBind("v1:/d:nocopy").nocopy, true);
  assert.throws(() => parseBind("/h:/d:bogus"), /invalid mode: bogus/);
  assert.throws(() => parseBind("/h:/d:ro,rw"), /invalid mode: ro,rw/);
  assert.throws(() => parseBind("a:b:c:d"), /invalid volume specification: 'a:b:c:d'/);
  assert.throws(() => parseBind("data:rel"), /mount path must be absolute/);
  assert.throws(() => parseBind("bad$name:/d"), /includes invalid characters for a local volume name/);
  assert.throws(() => parseBind("/h:/"), /destination can't be '\/'/);
});

test("--mount parsing: bind with a missing source is docker's error; tmpfs options", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-mnt-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(
    () => parseMountSpec({ Type: "bind", Source: "/nonexistent-berth-x", Target: "/x" }),
    (e: Error) => e.message === 'invalid mount config for type "bind": bind source path does not exist: /nonexistent-berth-x',
  );
  const b = parseMountSpec({ Type: "bind", Source: dir, Target: "/x", ReadOnly: true, BindOptions: { Propagation: "rslave" } });
  assert.equal(b.rw, false);
  assert.equal(b.propagation, "rslave");
  const tm = parseMountSpec({ Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } });
  assert.deepEqual(tm.tmpfsOptions, ["size=1048576", "mode=1777"]);
  assert.throws(() => parseMountSpec({ Type: "tmpfs", Source: "x", Target: "/t" }), /source must not be specified/);
  const v = parseMountSpec({ Type: "volume", Source: "v1", Target: "/v", VolumeOptions: { NoCopy: true, DriverConfig: { Options: { type: "tmpfs" } } } });
  assert.equal(v.nocopy, true);
  assert.deepEqual(v.driverOpts, { type: "tmpfs" });
  assert.throws(() => parseMountSpec({ Type: "volume", Target: "/v", BindOptions: {} }), /BindOptions must not be specified/);
});

test("planMounts: duplicates refused, image VOLUMEs become anonymous unless covered", () => {
  assert.throws(() => planMounts({ Binds: ["a1:/d", "/h:/d"] }, {}), /Duplicate mount point: \/d/);
  const plan = planMounts({ Binds: ["v1:/data"] }, { Volumes: { "/data": {}, "/cache": {} } });
  assert.deepEqual(plan.map((p) => [p.type, p.source, p.destination]), [
    ["volume", "v1", "/data"],
    ["volume", "", "/cache"],
  ]);
});

test("inheritedBinds: --volumes-from copies the source's binds, :ro makes them read-only, taken destinations win", async () => {
  const { inheritedBinds } = await import("./mounts.js");
  const src = { hostConfig: { Binds: ["/srv/a:/a", "/srv/b:/b:ro"] }, config: {} };
  const lookup = (ref: string) => (ref === "src" ? src : undefined);
  const rw = inheritedBinds({ VolumesFrom: ["src"] }, new Set(["/b"]), lookup);
  assert.deepEqual(rw.map((p) => [p.source, p.destination, p.rw]), [["/srv/a", "/a", true]]);
  const ro = inheritedBinds({ VolumesFrom: ["src:ro", "gone"] }, new Set(), lookup);
  assert.deepEqual(ro.map((p) => [p.destination, p.rw, p.mode]), [["/a", false, "ro"], ["/b", false, "ro"]]);
  assert.deepEqual(inheritedBinds({}, new Set(), lookup), []);
});
