/**
 * Containers outlive their daemon: `kill -9` of berthd while containers run, then restart. Also a
 * restart policy bringing back a container whose process died, and a daemon without conmon giving a
 * clear error with nothing left half-made.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { sleep, startBerthd, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-ctr-faults-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

async function ready(t: Parameters<typeof startBerthd>[0], opts?: Parameters<typeof startBerthd>[1]): Promise<Berthd> {
  const d = await startBerthd(t, opts);
  const r = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
  return d;
}

async function ok(d: Berthd, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls fn until it returns true or the time is up (bounded: at most `ms`). */
async function until(fn: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(100);
  }
  return fn();
}

test("kill -9 of berthd while 5 containers run: they keep running and berthd takes them back", async (t) => {
  const d = await ready(t);
  const names = ["s1", "s2", "s3"];
  for (const n of names) await ok(d, ["run", "-d", "--name", n, "busybox", "sleep", "300"]);
  await ok(d, ["run", "-d", "--name", "ticker", "busybox", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"]);
  await ok(d, ["run", "-d", "--name", "quitter", "busybox", "sh", "-c", "sleep 2; exit 7"]);
  const pids = new Map<string, number>();
  for (const n of [...names, "ticker"]) pids.set(n, Number(await ok(d, ["inspect", "-f", "{{.State.Pid}}", n])));

  await d.kill9();
  await sleep(3000); // "quitter" exits while berthd is down
  for (const [n, pid] of pids) assert.ok(alive(pid), `${n} (pid ${pid}) died with berthd`);
  await d.restart();

  const running = (await ok(d, ["ps", "--format", "{{.Names}}"])).split("\n").sort();
  assert.deepEqual(running, ["s1", "s2", "s3", "ticker"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "quitter"]), "exited 7");
  for (const [n, pid] of pids) assert.equal(await ok(d, ["inspect", "-f", "{{.State.Pid}}", n]), String(pid));

  // logs -f follows the running ticker after the restart
  const follow = spawn("docker", ["logs", "-f", "--tail", "1", "ticker"], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  follow.stdout.on("data", (c: Buffer) => (seen += c.toString("utf8")));
  const ticks = await until(async () => (seen.match(/tick \d+/g) ?? []).length >= 3, 5000);
  follow.kill("SIGKILL");
  assert.ok(ticks, `logs -f did not follow: ${JSON.stringify(seen)}`);

  // stop works on a container berthd took back
  await ok(d, ["stop", "-t", "1", "s1"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{.State.Status}}", "s1"]), "exited");
  assert.ok(!alive(pids.get("s1") ?? 0), "s1's process survived stop");
  // kill and wait work on a container berthd took back, with the real exit code
  await ok(d, ["kill", "s2"]);
  assert.equal(await ok(d, ["wait", "s2"]), "137");
});

test("a restart policy brings back a container whose process died", async (t) => {
  const d = await ready(t);
  await ok(d, ["run", "-d", "--name", "phoenix", "--restart", "always", "busybox", "sleep", "300"]);
  const pid = Number(await ok(d, ["inspect", "-f", "{{.State.Pid}}", "phoenix"]));
  process.kill(pid, "SIGKILL");
  const back = await until(async () => {
    const r = await d.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Running}} {{.State.Pid}}", "phoenix"]);
    const [count, running, newPid] = r.stdout.trim().split(" ");
    return count === "1" && running === "true" && newPid !== String(pid);
  }, 10_000);
  assert.ok(back, `not restarted: ${(await d.docker(["inspect", "-f", "{{json .State}} {{.RestartCount}}", "phoenix"])).stdout}`);
});

test("without conmon: a clear error, and nothing left half-made", async (t) => {
  // A PATH with everything berthd needs except conmon.
  const bin = mkdtempSync("/tmp/berth-noconmon-");
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  for (const tool of ["runc", "crun", "tini", "catatonit", "ps", "mount", "umount", "ip", "nft"]) {
    for (const dir of ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
      if (!existsSync(path.join(dir, tool))) continue; // symlinkSync would happily make a dangling link
      try {
        symlinkSync(path.join(dir, tool), path.join(bin, tool));
        break;
      } catch {
        // try the next dir
      }
    }
  }
  symlinkSync(process.execPath, path.join(bin, "node"));
  const d = await ready(t, { daemonEnv: { PATH: bin } });
  const r = await d.docker(["run", "--rm", "busybox", "true"]);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /conmon/);
  assert.equal(await ok(d, ["ps", "-aq"]), "", "run --rm left a container behind");
  await ok(d, ["create", "--name", "cc", "busybox", "true"]);
  const s = await d.docker(["start", "cc"]);
  assert.notEqual(s.code, 0);
  assert.match(s.stderr, /conmon/);
  assert.match(await ok(d, ["inspect", "-f", "{{.State.Status}} {{.State.Running}}", "cc"]), /^(created|exited) false$/);
  await ok(d, ["rm", "cc"]);
  assert.equal(await ok(d, ["ps", "-aq"]), "");
});

test("bad create requests get docker's 400/404 and leave no container, snapshot or directory behind", async (t) => {
  const d = await ready(t);
  const post = (body: string, name = ""): ReturnType<Berthd["api"]> =>
    d.api({ method: "POST", path: `/v1.44/containers/create${name ? `?name=${name}` : ""}`, headers: { "Content-Type": "application/json" }, body });
  const cases: Array<[string, string, number, RegExp]> = [
    ["{not json", "", 400, /invalid JSON/],
    ["[]", "", 400, /config cannot be empty/],
    [JSON.stringify({ Image: "busybox", Cmd: ["true"], HostConfig: { Memory: 1024 } }), "", 400, /Minimum memory limit allowed is 6MB/],
    [JSON.stringify({ Image: "busybox", Cmd: ["true"], HostConfig: { RestartPolicy: { Name: "bogus" } } }), "", 400, /restart policy/],
    [JSON.stringify({ Image: "busybox", Cmd: ["true"], WorkingDir: "relative" }), "", 400, /needs to be an absolute path/],
    [JSON.stringify({ Image: "busybox", Cmd: ["true"] }), "x", 400, /Invalid container name/],
    [JSON.stringify({ Image: "nosuch-image", Cmd: ["true"] }), "", 404, /No such image: nosuch-image:latest/],
  ];
  for (const [body, name, status, re] of cases) {
    const r = await post(body, name);
    assert.equal(r.status, status, `${body}: ${r.body.toString()}`);
    assert.match((r.json as { message: string }).message, re);
  }
  assert.equal(await ok(d, ["ps", "-aq"]), "");
  const dir = path.join(d.dataRoot, "containers");
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  assert.equal(await ok(d, ["info", "-f", "{{.Containers}}"]), "0");
});
