/**
 * ContainerRuntime driving crun the way berthd does (src/runtime/runtime-command.ts): through
 * berth-crun-launcher on a hybrid cgroup host, as itself elsewhere. Needs root, crun, conmon, and the
 * launcher built by node-gyp.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError } from "../../src/errdefs/index.js";
import { ContainerRuntime } from "../../src/runtime/index.js";
import { hybridWithV2Controllers, resolveRuntimeCommand } from "../../src/runtime/runtime-command.js";
import { buildSpec, makeEnv } from "./runtime-helpers.js";
import type { Env } from "./runtime-helpers.js";

function crunEnv(): { e: Env; rt: ContainerRuntime } {
  const e = makeEnv();
  const cmd = resolveRuntimeCommand("crun", "/usr/bin/crun");
  const rt = new ContainerRuntime({ runtimeBinary: cmd.binary, runtimeArgs: cmd.prefixArgs, runtimeName: cmd.name, runtimeRoot: join(e.dir, "runc") });
  return { e, rt };
}

function waitExit(rt: ContainerRuntime, e: Env): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { w.close(); reject(new Error("no exit")); }, 20_000);
    const w = rt.watchExits(e.exitDir, (id, code) => {
      if (id !== e.id) return;
      clearTimeout(timer);
      w.close();
      resolve(code);
    });
  });
}

test("on this host crun runs through the launcher exactly when the layout is hybrid with v2 controllers", () => {
  const cmd = resolveRuntimeCommand("crun", "/usr/bin/crun");
  if (hybridWithV2Controllers()) {
    assert.match(cmd.binary, /build\/Release\/berth-crun-launcher$/);
    assert.deepEqual(cmd.prefixArgs, ["/usr/bin/crun"]);
  } else {
    assert.equal(cmd.binary, "/usr/bin/crun");
  }
});

test("crun runs a container under conmon in v1 cgroups; the delete leaves no state or cgroup; the host keeps its unified mount", async (t) => {
  const { e, rt } = crunEnv();
  t.after(async () => {
    await rt.delete(e.id, { force: true }).catch(() => undefined);
    await e.cleanup();
  });
  const unifiedBefore = readFileSync("/proc/self/mountinfo", "utf8").includes(" /sys/fs/cgroup/unified ");
  await rt.writeBundle(e.bundle, buildSpec(e.input(["/bin/sh", "-c", "echo hi; cat /proc/self/cgroup | grep -c memory; exit 4"], { resources: { memory: 32 * 1024 * 1024 } })));
  await rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false });
  const memDir = `/sys/fs/cgroup/memory/berth-test/${e.id}`;
  assert.equal(readFileSync(join(memDir, "memory.limit_in_bytes"), "utf8").trim(), String(32 * 1024 * 1024));
  const exited = waitExit(rt, e);
  await rt.start(e.id);
  assert.equal(await exited, 4);
  assert.match(readFileSync(e.logPath, "utf8"), /hi\n/);
  assert.ok(existsSync(join(e.dir, "runc", e.id, "status")), "crun's state is not where berth looks for it");
  await rt.delete(e.id);
  assert.equal(existsSync(join(e.dir, "runc", e.id)), false, "crun's state stayed behind");
  assert.equal(existsSync(memDir), false, "the memory cgroup stayed behind");
  const unifiedAfter = readFileSync("/proc/self/mountinfo", "utf8").includes(" /sys/fs/cgroup/unified ");
  assert.equal(unifiedAfter, unifiedBefore, "the launcher changed the host's mounts");
});

test("crun's start errors come out in runc's words", async (t) => {
  const { e, rt } = crunEnv();
  t.after(async () => {
    await rt.delete(e.id, { force: true }).catch(() => undefined);
    await e.cleanup();
  });
  await rt.writeBundle(e.bundle, buildSpec(e.input(["nope-not-here"])));
  await assert.rejects(
    rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false }),
    /exec: "nope-not-here": executable file not found in \$PATH/,
  );
  // nothing was left behind, and crun's "no state file" is a not-found for kill
  await assert.rejects(rt.kill(e.id, 15), (err: unknown) => err instanceof NotFoundError && /does not exist/.test(err.message));
});
