/**
 * berthd with `--runtime crun`. On a hybrid cgroup host (this machine kind: cgroup v1 plus a unified
 * cgroup2 mount holding controllers), crun runs through berth-crun-launcher; everywhere the user sees
 * docker's behaviour: output, exit codes, runc's wording for a missing executable, exec, a memory limit
 * in the v1 memory cgroup, pause/unpause, stop with a signal, and a container that outlives a daemon
 * restart (live restore) and then stops.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, tail, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-crun-fx-");
const archive = path.join(fx, "busybox.tar");
let daemon: Berthd | undefined;
const d = (): Berthd => {
  if (!daemon) throw new Error("no daemon");
  return daemon;
};

before(async () => {
  makeBusyboxArchive(archive, { tag: "busybox:latest" });
  daemon = await startBerthd(undefined, { args: ["--runtime", "crun"] });
  const r = await daemon.docker(["load", "-q", "-i", archive]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  if (daemon) {
    const ls = await daemon.docker(["ps", "-aq"]);
    const ids = ls.stdout.split("\n").filter((s) => s !== "");
    if (ids.length > 0) await daemon.docker(["rm", "-f", ...ids]);
    await daemon.cleanup();
  }
  rmSync(fx, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await d().docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}\n${tail(d().log(), 30)}`);
  return r.stdout.trim();
}

/** The host's memory cgroup directory of a running container (from its init's /proc/<pid>/cgroup). */
function memoryCgroup(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => /^\d+:[^:]*\bmemory\b[^:]*:/.test(l));
  assert.ok(line, `no v1 memory cgroup for pid ${pid}`);
  return path.join("/sys/fs/cgroup/memory", line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1));
}

test("docker info and version name crun as the runtime", async () => {
  assert.equal(await ok(["info", "--format", "{{.DefaultRuntime}}"]), "crun");
  assert.match(await ok(["info", "--format", "{{json .Runtimes}}"]), /"crun"/);
  // the version is crun's own (`crun --version`), not the launcher's
  assert.match(await ok(["version", "--format", "{{range .Server.Components}}{{.Name}} {{.Version}};{{end}}"]), /crun \d+\.\d+/);
});

test("run: output, exit codes, and docker's start errors", async () => {
  assert.equal(await ok(["run", "--rm", "--network", "none", "busybox", "echo", "hello"]), "hello");
  const three = await d().docker(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "exit 3"]);
  assert.equal(three.code, 3, three.stderr);
  const missing = await d().docker(["run", "--rm", "--network", "none", "busybox", "nope-not-here"]);
  assert.equal(missing.code, 127, missing.stderr);
  assert.match(missing.stderr, /exec: "nope-not-here": executable file not found in \$PATH/);
  const noexec = await d().docker(["run", "--rm", "--network", "none", "busybox", "/etc/passwd"]);
  assert.equal(noexec.code, 126, noexec.stderr);
  assert.match(noexec.stderr, /exec: "\/etc\/passwd": permission denied/);
  assert.equal(await ok(["ps", "-aq"]), "", "--rm left containers behind");
});

test("exec, a memory limit in the v1 cgroup, pause/unpause, stop with a signal", async () => {
  const id = await ok(["run", "-d", "--name", "c1", "--network", "none", "-m", "64m", "--stop-signal", "SIGUSR1", "busybox", "sh", "-c", "trap 'exit 7' USR1; while :; do sleep 0.1; done"]);
  assert.equal(await ok(["exec", "c1", "echo", "in"]), "in");
  const ex = await d().docker(["exec", "c1", "sh", "-c", "exit 5"]);
  assert.equal(ex.code, 5);
  const exMissing = await d().docker(["exec", "c1", "nope-not-here"]);
  assert.equal(exMissing.code, 126, exMissing.stderr);
  assert.match(exMissing.stdout + exMissing.stderr, /executable file not found/);

  const pid = Number(await ok(["inspect", "-f", "{{.State.Pid}}", id]));
  assert.ok(pid > 0);
  const mem = memoryCgroup(pid);
  assert.equal(readFileSync(path.join(mem, "memory.limit_in_bytes"), "utf8").trim(), String(64 * 1024 * 1024));

  await ok(["pause", "c1"]);
  assert.equal(await ok(["inspect", "-f", "{{.State.Status}}", "c1"]), "paused");
  await ok(["unpause", "c1"]);
  assert.equal(await ok(["inspect", "-f", "{{.State.Status}}", "c1"]), "running");

  await ok(["stop", "-t", "5", "c1"]);
  assert.equal(await ok(["inspect", "-f", "{{.State.ExitCode}}", "c1"]), "7", "the stop signal did not reach the trap");
  await ok(["rm", "c1"]);
  assert.equal(existsSync(mem), false, "the memory cgroup stayed behind");
});

test("a running container survives a daemon restart and then stops", async () => {
  await ok(["run", "-d", "--name", "live", "--network", "none", "busybox", "sleep", "300"]);
  const before = await ok(["inspect", "-f", "{{.State.Pid}}", "live"]);
  await d().restart();
  assert.equal(await ok(["inspect", "-f", "{{.State.Status}} {{.State.Pid}}", "live"]), `running ${before}`);
  assert.equal(await ok(["exec", "live", "echo", "still"]), "still");
  await ok(["stop", "-t", "1", "live"]);
  assert.equal(await ok(["inspect", "-f", "{{.State.Status}}", "live"]), "exited");
  await ok(["rm", "live"]);
});
