import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { readLog, readOomKilled } from "../../src/runtime/index.js";
import { buildSpec, makeEnv } from "./runtime-helpers.js";
import type { Env } from "./runtime-helpers.js";

async function waitExit(e: Env): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { w.close(); reject(new Error("no exit")); }, 20_000);
    const w = e.rt.watchExits(e.exitDir, (id, code) => {
      if (id !== e.id) return;
      clearTimeout(timer);
      w.close();
      resolve(code);
    });
  });
}

async function logText(e: Env): Promise<string> {
  const ac = new AbortController();
  let s = "";
  for await (const x of readLog(e.logPath, { follow: false, signal: ac.signal })) s += x.data.toString();
  return s;
}

async function runToExit(e: Env, script: string, over = {}): Promise<{ code: number; out: string }> {
  await e.rt.writeBundle(e.bundle, buildSpec(e.input(["/bin/sh", "-c", script], over)));
  await e.rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false });
  const exited = waitExit(e);
  await e.rt.start(e.id);
  const code = await exited;
  await sleep(100);
  return { code, out: await logText(e) };
}

test("runs a container under conmon: log, exit code, capabilities, masks, fds, seccomp", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  const { code, out } = await runToExit(e, [
    "echo hello; echo oops >&2",
    "grep CapEff /proc/1/status",
    "echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c) keys=$(cat /proc/keys 2>/dev/null | wc -c) fw=$(ls /sys/firmware | wc -l)",
    "echo fds=$(ls /proc/self/fd | tr '\\n' ,)",
    "unshare -n true 2>&1; echo unshare=$?",
    "mkdir -p /mnt; mount -t tmpfs x /mnt 2>&1; echo mount=$?",
    "exit 7",
  ].join("\n"));
  assert.equal(code, 7);
  assert.match(out, /hello\n/);
  assert.match(out, /oops\n/);
  assert.match(out, /CapEff:\s+00000000a80425fb/);
  assert.match(out, /kcore=0 keys=0 fw=0/);
  assert.match(out, /fds=0,1,2,3,/); // 3 = the ls's own dir fd
  assert.doesNotMatch(out, /fds=0,1,2,3,4/);
  assert.match(out, /unshare=[1-9]/);
  assert.match(out, /mount=[1-9]/);
  assert.equal(await e.rt.readExitCode(e.exitDir, e.id), 7);
});

test("bad executable reports the runtime's error", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  await e.rt.writeBundle(e.bundle, buildSpec(e.input(["nope"])));
  await assert.rejects(
    e.rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false }),
    /executable file not found/,
  );
  assert.equal(await e.rt.state(e.id), undefined);
});

test("memory limit OOM-kills and pids limit holds", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  const { code } = await runToExit(e, "x=a; while true; do x=$x$x; done", { resources: { memory: 16 * 1024 * 1024, memorySwap: 16 * 1024 * 1024 } });
  assert.notEqual(code, 0);
  assert.equal(await readOomKilled(e.stateDir, `/berth-test/${e.id}`), true);
  const e2 = makeEnv();
  t.after(() => e2.cleanup());
  const r = await runToExit(e2, "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done 2>&1; echo n=$(ls /proc | grep -c '^[0-9]')", { resources: { pidsLimit: 5 } });
  assert.match(r.out, /can't fork|n=[1-6]\b/);
});

test("running container: state, attach, pids, exec, kill", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  await e.rt.writeBundle(e.bundle, buildSpec(e.input(["/bin/sh", "-c", "while true; do echo tick; sleep 0.2; done"])));
  const h = await e.rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false });
  assert.ok(h.pid > 0 && h.conmonPid > 0);
  assert.equal((await e.rt.state(e.id))?.status, "created");
  await e.rt.start(e.id);
  assert.equal((await e.rt.state(e.id))?.status, "running");
  assert.ok(e.rt.conmonAlive(e.stateDir));
  // the container is not our child: its parent is conmon
  const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${h.pid}/status`, "utf8"))?.[1]);
  assert.equal(ppid, h.conmonPid);
  const ac = new AbortController();
  let got = "";
  const att = e.rt.attach(e.stateDir, { stdin: null, output: (_s, b) => { got += b.toString(); }, signal: ac.signal, closeStdinOnEnd: false });
  await sleep(800);
  ac.abort();
  await att;
  assert.match(got, /tick/);
  assert.ok((await e.rt.pids(e.id)).includes(h.pid));
  const exited = waitExit(e);
  await e.rt.kill(e.id, 9);
  assert.equal(await exited, 137);
  await e.rt.delete(e.id);
  await e.rt.delete(e.id);
  assert.equal(await e.rt.state(e.id), undefined);
});

test("terminal container: attach with stdin and resize", async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  const inp = e.input(["/bin/sh"]);
  inp.process.terminal = true;
  inp.process.consoleSize = [24, 80];
  await e.rt.writeBundle(e.bundle, buildSpec(inp));
  await e.rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: true, stdin: true, stdinOnce: false });
  await e.rt.start(e.id);
  const { PassThrough } = await import("node:stream");
  const stdin = new PassThrough();
  const ac = new AbortController();
  let got = "";
  const att = e.rt.attach(e.stateDir, { stdin, output: (_s, b) => { got += b.toString(); }, signal: ac.signal, closeStdinOnEnd: false });
  await sleep(300);
  await e.rt.resize(e.stateDir, 33, 101);
  await sleep(300);
  stdin.write("stty size\n");
  await sleep(800);
  stdin.write("exit 0\n");
  await Promise.race([att, sleep(3000)]);
  ac.abort();
  await att;
  assert.match(got, /33 101/);
});

test("exec under its own conmon reports output and exit code", { timeout: 30_000 }, async (t) => {
  const e = makeEnv();
  t.after(() => e.cleanup());
  await e.rt.writeBundle(e.bundle, buildSpec(e.input(["/bin/sh", "-c", "sleep 30"])));
  await e.rt.create({ id: e.id, bundleDir: e.bundle, stateDir: e.stateDir, exitDir: e.exitDir, logPath: e.logPath, terminal: false, stdin: false, stdinOnce: false });
  await e.rt.start(e.id);
  let got = "";
  const ex = await e.rt.exec({
    containerId: e.id, execId: "x1", stateDir: `${e.stateDir}/x1`, exitDir: e.exitDir, stdin: false, detach: false,
    process: { args: ["/bin/sh", "-c", "echo in-exec; exit 3"], env: ["PATH=/bin"], cwd: "/", uid: 0, gid: 0, additionalGids: [], terminal: false, noNewPrivileges: false, capabilities: ["CHOWN"], rlimits: [] },
  }, { stdin: null, output: (_s, b) => { got += b.toString(); }, signal: new AbortController().signal, closeStdinOnEnd: true });
  assert.ok(ex.pid > 0);
  assert.equal(await Promise.race([ex.exit, sleep(5000).then(() => -1)]), 3);
  assert.equal(await e.rt.readExitCode(e.exitDir, "x1"), 3);
  assert.match(got, /in-exec/);
  // detached (no attach): the exit code still comes back
  const ex2 = await e.rt.exec({
    containerId: e.id, execId: "x2", stateDir: `${e.stateDir}/x2`, exitDir: e.exitDir, stdin: false, detach: true,
    process: { args: ["/bin/sh", "-c", "exit 0"], env: ["PATH=/bin"], cwd: "/", uid: 0, gid: 0, additionalGids: [], terminal: false, noNewPrivileges: false, capabilities: ["CHOWN"], rlimits: [] },
  });
  assert.equal(await Promise.race([ex2.exit, sleep(5000).then(() => -1)]), 0);
  // the container's own exit file is untouched by the execs
  assert.equal(await e.rt.readExitCode(e.exitDir, e.id), undefined);
  // a missing executable: the runtime's error
  await assert.rejects(
    e.rt.exec({
      containerId: e.id, execId: "x3", stateDir: `${e.stateDir}/x3`, exitDir: e.exitDir, stdin: false, detach: true,
      process: { args: ["nosuch"], env: ["PATH=/bin"], cwd: "/", uid: 0, gid: 0, additionalGids: [], terminal: false, noNewPrivileges: false, capabilities: ["CHOWN"], rlimits: [] },
    }),
    /executable file not found/,
  );
});
