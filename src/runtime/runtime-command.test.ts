import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UnavailableError } from "../errdefs/index.js";
import { hybridWithV2Controllers, resolveRuntimeCommand } from "./runtime-command.js";

test("runc always runs as itself", () => {
  const c = resolveRuntimeCommand("runc", "/usr/bin/runc", { hybrid: () => true, launcher: () => "/x/launcher" });
  assert.deepEqual(c, { name: "runc", binary: "/usr/bin/runc", prefixArgs: [] });
});

test("crun on a hybrid host with v2 controllers runs through the launcher, given crun's path", () => {
  const c = resolveRuntimeCommand("crun", "/usr/bin/crun", { hybrid: () => true, launcher: () => "/x/launcher" });
  assert.deepEqual(c, { name: "crun", binary: "/x/launcher", prefixArgs: ["/usr/bin/crun"] });
});

test("crun elsewhere runs as itself", () => {
  const c = resolveRuntimeCommand("crun", "/usr/bin/crun", { hybrid: () => false, launcher: () => "/x/launcher" });
  assert.equal(c.binary, "/usr/bin/crun");
  assert.deepEqual(c.prefixArgs, []);
});

test("crun on a hybrid host without the launcher: a clear error at once", () => {
  assert.throws(
    () => resolveRuntimeCommand("crun", "/usr/bin/crun", { hybrid: () => true, launcher: () => undefined }),
    (e: unknown) => e instanceof UnavailableError && /crun cannot run on this host's hybrid cgroup layout: /.test(e.message),
  );
});

test("the probe says no for a directory that is not a cgroup layout", () => {
  const d = mkdtempSync(join(tmpdir(), "berth-rtcmd-"));
  try {
    assert.equal(hybridWithV2Controllers(d), false);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
