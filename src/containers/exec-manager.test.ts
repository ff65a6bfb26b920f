import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { AttachIO, ExecOptions } from "../runtime/index.js";
import { ALL_CAPABILITIES } from "../runtime/index.js";
import { nullLogger } from "../util/log.js";
import { emptyRunState, type ContainerRecord } from "./container-store.js";
import { ExecManager } from "./exec-manager.js";

const CID = "a".repeat(64);

interface Fixture {
  mgr: ExecManager;
  rec: ContainerRecord;
  records: Map<string, ContainerRecord>;
  events: string[];
  calls: Array<{ opts: ExecOptions; io: AttachIO | undefined; finish: (code: number) => void }>;
  failWith?: string;
}

function fixture(t: { after(fn: () => void): void }): Fixture {
  const dir = mkdtempSync("/tmp/berth-exec-unit-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, "bundle");
  mkdirSync(path.join(bundle, "rootfs", "etc"), { recursive: true });
  writeFileSync(path.join(bundle, "rootfs", "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1001::/srv:/bin/sh\n");
  writeFileSync(path.join(bundle, "rootfs", "etc", "group"), "root:x:0:\nweb:x:1001:\nextra:x:42:web\n");
  writeFileSync(path.join(bundle, "config.json"), JSON.stringify({ process: { capabilities: { bounding: ["CAP_CHOWN", "CAP_KILL"] }, noNewPrivileges: true, rlimits: [{ type: "RLIMIT_NOFILE", soft: 10, hard: 20 }] } }));
  const rec: ContainerRecord = {
    id: CID, name: "/web", image: "busybox", imageId: "sha256:" + "b".repeat(64),
    config: { Env: ["PATH=/bin", "FROM_RUN=1"], WorkingDir: "/work", Hostname: "h1" },
    hostConfig: {}, status: "running", state: emptyRunState(), restartCount: 0, created: new Date().toISOString(), snapshotKey: "k",
  } as ContainerRecord;
  const records = new Map([[CID, rec]]);
  const f: Fixture = { mgr: undefined as unknown as ExecManager, rec, records, events: [], calls: [] };
  f.mgr = new ExecManager({
    runtime: {
      exec: async (opts: ExecOptions, io?: AttachIO) => {
        if (f.failWith) throw new Error(f.failWith);
        let finish: (code: number) => void = () => undefined;
        const exit = new Promise<number>((r) => (finish = r));
        f.calls.push({ opts, io, finish });
        return { pid: 4242, exit };
      },
      resize: async () => undefined,
    },
    lookup: (ref) => {
      const r = records.get(ref) ?? [...records.values()].find((x) => x.name === `/${ref}`);
      if (!r) throw Object.assign(new Error(`No such container: ${ref}`), { kind: "not-found" });
      return r;
    },
    get: (id) => records.get(id),
    stateDir: () => path.join(dir, "state"),
    bundleDir: () => bundle,
    emit: (action, _rec, extra) => f.events.push(`${action}${extra["exitCode"] !== undefined ? ` ${extra["exitCode"]}` : ""}`),
    log: nullLogger,
  });
  return f;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("create validates the container and the command", (t) => {
  const f = fixture(t);
  assert.throws(() => f.mgr.create("web", { Cmd: [] }), /No exec command specified/);
  f.rec.status = "paused";
  assert.throws(() => f.mgr.create("web", { Cmd: ["true"] }), (e: Error & { kind?: string }) => e.kind === "conflict" && /Container web is paused, unpause the container before exec/.test(e.message));
  f.rec.status = "exited";
  assert.throws(() => f.mgr.create("web", { Cmd: ["true"] }), (e: Error & { kind?: string }) => e.kind === "conflict" && e.message === `container ${CID} is not running`);
  f.rec.status = "running";
  assert.throws(() => f.mgr.create("web", { Cmd: ["true"], DetachKeys: "ctrl-" }), /Invalid detach keys/);
  const { Id } = f.mgr.create("web", { Cmd: ["ls", "-l"], User: "web", Tty: true, AttachStdout: true });
  assert.match(Id, /^[0-9a-f]{64}$/);
  assert.deepEqual(f.mgr.inspect(Id), {
    CanRemove: false, DetachKeys: "", ID: Id, Running: false, ExitCode: null,
    ProcessConfig: { arguments: ["-l"], entrypoint: "ls", privileged: false, tty: true, user: "web" },
    OpenStdin: false, OpenStderr: false, OpenStdout: true, ContainerID: CID, Pid: 0,
  });
  assert.deepEqual(f.events, ["exec_create: ls -l"]);
  assert.throws(() => f.mgr.inspect("f".repeat(64)), /No such exec instance/);
});

test("detached start: process config, running, exit recorded, second start refused", async (t) => {
  const f = fixture(t);
  const { Id } = f.mgr.create("web", { Cmd: ["env"], User: "web", Env: ["FROM_RUN=2", "X=y"] });
  const s = await f.mgr.prepareStart(Id, { detach: true });
  await s.run({ stdin: null, output: () => undefined, signal: new AbortController().signal });
  const call = f.calls[0];
  assert.ok(call);
  assert.equal(call.io, undefined);
  const p = call.opts.process;
  assert.deepEqual([p.uid, p.gid, p.additionalGids], [1000, 1001, [1001, 42]]);
  assert.equal(p.cwd, "/work");
  assert.deepEqual(p.env, ["PATH=/bin", "HOSTNAME=h1", "FROM_RUN=2", "X=y"]);
  assert.deepEqual(p.capabilities, ["CHOWN", "KILL"]);
  assert.equal(p.noNewPrivileges, true);
  assert.deepEqual(p.rlimits, [{ type: "RLIMIT_NOFILE", soft: 10, hard: 20 }]);
  assert.equal(f.mgr.inspect(Id).Running, true);
  assert.equal(f.mgr.inspect(Id).Pid, 4242);
  assert.deepEqual(f.mgr.runningIdsOf(CID), [Id]);
  await assert.rejects(f.mgr.prepareStart(Id, { detach: true }), /is already running/);
  call.finish(3);
  await tick();
  await tick();
  assert.equal(f.mgr.inspect(Id).Running, false);
  assert.equal(f.mgr.inspect(Id).ExitCode, 3);
  assert.equal(f.mgr.runningIdsOf(CID), null);
  assert.deepEqual(f.events, ["exec_create: env", "exec_start: env", "exec_die 3"]);
  await assert.rejects(f.mgr.prepareStart(Id, { detach: true }), /has already run/);
  // records go with their container
  f.records.delete(CID);
  assert.throws(() => f.mgr.inspect(Id), /No such exec instance/);
});

test("privileged and working dir; attached start failure goes to the stream with docker's exit code", async (t) => {
  const f = fixture(t);
  const a = f.mgr.create("web", { Cmd: ["id"], Privileged: true, WorkingDir: "/tmp", AttachStdout: true, AttachStderr: true });
  await f.mgr.prepareStart(a.Id, { detach: true });
  assert.deepEqual(f.calls[0]?.opts.process.capabilities, [...ALL_CAPABILITIES]);
  assert.equal(f.calls[0]?.opts.process.cwd, "/tmp");

  f.failWith = 'exec failed: unable to start container process: exec: "nope": executable file not found in $PATH';
  const b = f.mgr.create("web", { Cmd: ["nope"], AttachStdout: true });
  const s = await f.mgr.prepareStart(b.Id, { detach: false });
  const out: string[] = [];
  await s.run({ stdin: null, output: (n, c) => out.push(`${n}:${c.toString()}`), signal: new AbortController().signal });
  assert.deepEqual(out, [`1:OCI runtime exec failed: ${f.failWith}: unknown\r\n`]);
  assert.equal(f.mgr.inspect(b.Id).ExitCode, 126);
  assert.equal(f.mgr.inspect(b.Id).Running, false);

  const c = f.mgr.create("web", { Cmd: ["nope"] });
  await assert.rejects(f.mgr.prepareStart(c.Id, { detach: true }), (e: Error & { kind?: string }) => e.kind === "invalid-argument" && /executable file not found/.test(e.message));
  assert.equal(f.mgr.inspect(c.Id).ExitCode, 126);

  f.failWith = undefined;
  const u = f.mgr.create("web", { Cmd: ["true"], User: "ghost" });
  await assert.rejects(f.mgr.prepareStart(u.Id, { detach: true }), /unable to find user ghost/);
  assert.equal(f.mgr.inspect(u.Id).ExitCode, 126);
});
