/**
 * berthd end to end: the real docker CLI against a real berthd on temp dirs (registries restricted
 * to loopback): version, info, system df, events since/until; one daemon per data root; flags and
 * daemon.json conflicts; SIGTERM → exit 0 with socket, lock and pidfile removed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { BERTHD_JS, sleep, startBerthd } from "../helpers/daemon.js";
import { ping } from "../helpers/http.js";
import { run } from "../helpers/run.js";

test("docker version/info/system df/events against berthd", async (t) => {
  const d = await startBerthd(t);
  assert.equal(statSync(d.socket).mode & 0o777, 0o660, "socket mode 0660");
  assert.equal(statSync(d.dataRoot).mode & 0o777, 0o711, "data root mode 0711");

  const v = await d.docker(["version"]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /Server: berth/);
  assert.match(v.stdout, /API version:\s+1\.44 \(minimum version 1\.24\)/);
  assert.match(v.stdout, /^ runc:\n\s+Version:\s+\S+/m);

  const since = Math.floor(Date.now() / 1000) - 30;
  const info = await d.docker(["info"]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /Storage Driver: overlay2\n\s+Backing Filesystem: \w+/, "the probe finds overlay working (root, this machine kind)");
  assert.match(info.stdout, /Images: 0/);
  assert.match(info.stdout, /Cgroup Driver: cgroupfs/);
  assert.match(info.stdout, /Runtimes: .*runc/);
  assert.match(info.stdout, /Default Runtime: runc/);
  assert.match(info.stdout, new RegExp(`Docker Root Dir: ${d.dataRoot}`));
  assert.doesNotMatch(info.stderr, /WARNING|error/i);

  const df = await d.docker(["system", "df"]);
  assert.equal(df.code, 0, df.stderr);
  assert.match(df.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE/);
  assert.match(df.stdout, /Images\s+0\s+0\s+0B/);
  const dfv = await d.docker(["system", "df", "-v"]);
  assert.equal(dfv.code, 0, dfv.stderr);
  assert.match(dfv.stdout, /Images space usage:/);

  const fmt = await d.docker(["info", "--format", "{{.OSType}}/{{.Driver}}/{{json .Plugins.Network}}/{{.CgroupVersion}}"]);
  assert.equal(fmt.code, 0, fmt.stderr);
  assert.match(fmt.stdout.trim(), /^linux\/(overlay2|native)\/\["bridge","host","none"\]\/[12]$/);

  // An image event, so the type filter has something to keep.
  const root = path.join(d.dir, "rootfs");
  mkdirSync(root);
  writeFileSync(path.join(root, "hello"), "hi\n");
  const tarFile = path.join(d.dir, "rootfs.tar");
  assert.equal((await run("tar", ["-C", root, "-cf", tarFile, "."])).code, 0);
  const imp = await d.docker(["import", tarFile, "e2e-events:1"]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.stdout.trim().split("\n").length, 1, `import prints the id once: ${imp.stdout}`);

  const until = Math.ceil(Date.now() / 1000) + 1;
  const ev = await d.docker(["events", "--since", String(since), "--until", String(until), "--format", "{{.Type}} {{.Action}}"], { timeoutMs: 15_000 });
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /^daemon start$/m);
  assert.match(ev.stdout, /^image import$/m);

  const filtered = await d.docker(["events", "--since", String(since), "--until", String(until), "--filter", "type=image", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"], { timeoutMs: 15_000 });
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.doesNotMatch(filtered.stdout, /^daemon/m);
  assert.match(filtered.stdout, /^image tag e2e-events:1$/m);

  const badFilter = await d.docker(["events", "--since", String(since), "--until", String(until), "--filter", "colour=red"], { timeoutMs: 15_000 });
  assert.notEqual(badFilter.code, 0);
  assert.match(badFilter.stderr, /invalid filter 'colour'/);

  // Live: an event published while `docker events` waits reaches it; the stream ends at --until.
  const liveUntil = Math.ceil(Date.now() / 1000) + 3;
  const live = d.docker(["events", "--until", String(liveUntil), "--filter", "event=tag", "--format", "{{.Actor.Attributes.name}}"], { timeoutMs: 15_000 });
  await sleep(700);
  assert.equal((await d.docker(["tag", "e2e-events:1", "e2e-events:live"])).code, 0);
  const liveOut = await live;
  assert.equal(liveOut.code, 0, liveOut.stderr);
  // docker's semantics: with only --until, past events (from the start of history) come first.
  assert.deepEqual(liveOut.stdout.trim().split("\n"), ["e2e-events:1", "e2e-events:live"]);

  const pull = await d.docker(["pull", "busybox"]);
  assert.notEqual(pull.code, 0);
  assert.match(pull.stderr, /registry docker\.io is not allowed/);
  const runMissing = await d.docker(["run", "--rm", "busybox", "true"]);
  assert.equal(runMissing.code, 125);
  assert.match(runMissing.stderr, /Error response from daemon: registry docker\.io is not allowed/);

  const raw = await d.api({ method: "GET", path: "/v1.99/version" });
  assert.equal(raw.status, 400);
  assert.deepEqual(raw.json, { message: "client version 1.99 is too new. Maximum supported API version is 1.44" });
  const head = await d.api({ method: "HEAD", path: "/_ping" });
  assert.equal(head.status, 200);
  assert.equal(head.headers["api-version"], "1.44");
  assert.equal(head.headers["swarm"], "inactive");
});

test("a second daemon on the same data root or socket is refused; bad flags and config conflicts fail", async (t) => {
  const d = await startBerthd(t);
  const second = await run(process.execPath, [BERTHD_JS, "--data-root", d.dataRoot, "--exec-root", path.join(d.dir, "exec2"), "-H", `unix://${path.join(d.dir, "second.sock")}`], { timeoutMs: 20_000 });
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`berthd is already running on data root ${d.dataRoot} \\(pid ${d.pid ?? 0}\\)`));
  assert.ok(await d.alive(), "the first daemon still answers");

  const sameSock = await run(process.execPath, [BERTHD_JS, "--data-root", path.join(d.dir, "data2"), "--exec-root", path.join(d.dir, "exec3"), "-H", d.host], { timeoutMs: 20_000 });
  assert.equal(sameSock.code, 1);
  assert.match(sameSock.stderr, /is in use by another daemon/);
  assert.ok(await d.alive());

  const bad = await run(process.execPath, [BERTHD_JS, "--no-such-flag"], { timeoutMs: 20_000 });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown flag: --no-such-flag/);

  const cfg = path.join(d.dir, "daemon.json");
  writeFileSync(cfg, JSON.stringify({ "data-root": path.join(d.dir, "data4") }));
  const conflict = await run(process.execPath, [BERTHD_JS, "--config-file", cfg, "--data-root", path.join(d.dir, "data5")], { timeoutMs: 20_000 });
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /specified both as a flag and in the configuration file: data-root/);

  const badRuntime = await run(process.execPath, [BERTHD_JS, "--runtime", "kata"], { timeoutMs: 20_000 });
  assert.equal(badRuntime.code, 1);
  assert.match(badRuntime.stderr, /unknown runtime/);

  const version = await run(process.execPath, [BERTHD_JS, "--version"], { timeoutMs: 20_000 });
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^berthd version \d+\.\d+\.\d+/);
  const help = await run(process.execPath, [BERTHD_JS, "--help"], { timeoutMs: 20_000 });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--data-root/);
});

test("SIGTERM: exit 0; socket, lock and pidfile removed; a stale socket is replaced on the next start", async (t) => {
  const dir = mkdtempSync("/tmp/berth-test-");
  const socket = path.join(dir, "b.sock");
  const pidfile = path.join(dir, "berthd.pid");
  const dataRoot = path.join(dir, "data");
  const args = [BERTHD_JS, "--data-root", dataRoot, "--exec-root", path.join(dir, "exec"), "-H", `unix://${socket}`, "--pidfile", pidfile, "--allowed-registry", "127.0.0.0/8", "--storage-driver", "native"];
  const children: Array<ReturnType<typeof spawn>> = [];
  t.after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (): Promise<{ child: ReturnType<typeof spawn>; exit: Promise<number | null>; log: () => string }> => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let err = "";
    child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    // Ready: the socket answers and the pidfile (written right after the API listens) exists.
    while (!(await ping(socket, 500)) || !existsSync(pidfile)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`berthd did not start: ${err}`);
      await sleep(50);
    }
    return { child, exit, log: () => err };
  };

  const first = await start();
  assert.equal(readFileSync(pidfile, "utf8").trim(), String(first.child.pid));
  assert.ok(existsSync(path.join(dataRoot, "berthd.lock")));
  first.child.kill("SIGTERM");
  assert.equal(await first.exit, 0, first.log());
  assert.match(first.log(), /Daemon shutdown complete/);
  assert.equal(existsSync(socket), false, "socket removed");
  assert.equal(existsSync(pidfile), false, "pidfile removed");
  assert.equal(existsSync(path.join(dataRoot, "berthd.lock")), false, "lock released");

  // kill -9 leaves socket and lock behind; the next start takes both over.
  const second = await start();
  second.child.kill("SIGKILL");
  await second.exit;
  assert.ok(existsSync(socket), "a killed daemon leaves its socket");
  const third = await start();
  assert.match(third.log(), /API listen on/);
  third.child.kill("SIGINT");
  assert.equal(await third.exit, 0, third.log());
});
