/**
 * tryFastStart against real runc: a container created through conmon is started by opening its
 * exec.fifo (runc then reports it running and its process runs), a container whose init died before
 * the start is reported dead, and a directory that is not runc's state is left to `runc start`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { tryFastStart } from "../../src/runtime/fast-start.js";
import { buildSpec, makeEnv } from "./runtime-helpers.js";
import type { Env } from "./runtime-helpers.js";

function runcState(e: Env): { status: string; pid: number } {
  return JSON.parse(execFileSync("runc", ["--root", e.rt.runtimeRoot, "state", e.id]).toString()) as { status: string; pid: number };
}

async function created(e: Env, script: string): Promise<void> {
  await e.rt.writeBundle(e.bundle, buildSpec(e.input(["/bin/sh", "-c", script])));
  await e.rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false });
  assert.equal(runcState(e).status, "created");
}

test("a created runc container starts through its exec fifo", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  await created(e, "echo started-by-fifo; sleep 30");
  assert.equal(await tryFastStart(e.rt.runtimeRoot, e.id), "started");
  assert.equal(existsSync(join(e.rt.runtimeRoot, e.id, "exec.fifo")), false, "the fifo is gone, as after runc start");
  assert.equal(runcState(e).status, "running");
  let log = "";
  for (let i = 0; i < 100 && !log.includes("started-by-fifo"); i++) {
    await sleep(50);
    log = existsSync(e.logPath) ? readFileSync(e.logPath, "utf8") : "";
  }
  assert.match(log, /started-by-fifo/);
  // a second start finds no fifo: left to runc, which refuses like docker expects
  assert.equal(await tryFastStart(e.rt.runtimeRoot, e.id), "unsupported");
  await assert.rejects(e.rt.start(e.id), /cannot start a container that has stopped|already running|not in created state|running/i);
  await e.rt.kill(e.id, 9);
});

test("a created container whose init died is reported dead", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  await created(e, "true");
  const { pid } = runcState(e);
  process.kill(pid, "SIGKILL");
  // until init is a zombie or gone (reaped between two looks: no stat to read)
  const stat = (): string | undefined => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < 100; i++) {
    const st = stat();
    if (st === undefined || /\) [ZX] /.test(st)) break;
    await sleep(20);
  }
  assert.equal(await tryFastStart(e.rt.runtimeRoot, e.id, 3_000), "dead");
  await assert.rejects(e.rt.start(e.id), /already dead/);
});

test("no runc state: left to the runtime", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  mkdirSync(join(e.rt.runtimeRoot, "other"), { recursive: true });
  assert.equal(await tryFastStart(e.rt.runtimeRoot, "other"), "unsupported");
  assert.equal(await tryFastStart(e.rt.runtimeRoot, "absent"), "unsupported");
});
