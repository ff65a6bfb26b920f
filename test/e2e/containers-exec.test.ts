/**
 * `docker exec` against berthd with the real docker CLI: exit codes, a missing executable, stdin, TTY,
 * detached execs, -u/-w/-e/--privileged, exec inspect over the API, and execs into stopped/paused containers.
 */
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { DOCKER_CLI, sleep, startBerthd, type Berthd } from "../helpers/daemon.js";
import { run } from "../helpers/run.js";

const fx = mkdtempSync("/tmp/berth-ctr-exec-fx-");
const busybox = path.join(fx, "busybox.tar");
let d: Berthd;

before(async () => {
  await makeBusyboxArchive(busybox, { tag: "busybox:latest" });
  d = await startBerthd();
  const r = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
  await ok(["run", "-d", "--name", "ec", "-e", "FROM_RUN=yes", "busybox", "sleep", "600"]);
});
after(async () => {
  await d?.cleanup();
  rmSync(fx, { recursive: true, force: true });
});

async function ok(args: string[], input?: string): Promise<string> {
  const r = await d.docker(args, input !== undefined ? { input } : {});
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

interface ExecJson {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  ContainerID: string;
  OpenStdin: boolean;
  OpenStdout: boolean;
  ProcessConfig: { entrypoint: string; arguments: string[]; privileged: boolean; user: string; tty: boolean };
}

test("exit codes come back: exit 5, true, a failing command", async () => {
  const r = await d.docker(["exec", "ec", "sh", "-c", "exit 5"]);
  assert.equal(r.code, 5, r.stderr);
  assert.equal((await d.docker(["exec", "ec", "true"])).code, 0);
  assert.equal((await d.docker(["exec", "ec", "false"])).code, 1);
  const out = await d.docker(["exec", "ec", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.equal(out.code, 3);
  assert.equal(out.stdout, "out\n");
  assert.equal(out.stderr, "err\n");
  // a large output arrives whole before the exit code
  const big = await d.docker(["exec", "ec", "sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' a; exit 4"]);
  assert.equal(big.code, 4);
  assert.equal(big.stdout.length, 2_000_000);
});

test("a missing executable: docker's message and exit code", async () => {
  const r = await d.docker(["exec", "ec", "nosuchcmd"]);
  assert.equal(r.code, 126, `exit ${r.code}`); // dockerd: 126 for any exec that failed to start
  assert.match(r.stdout + r.stderr, /executable file not found/);
  // the container is unharmed
  assert.equal((await ok(["exec", "ec", "echo", "still"])).trim(), "still");
});

test("stdin: exec -i cat echoes what is piped", async () => {
  const text = "hello exec\nsecond line\n";
  assert.equal(await ok(["exec", "-i", "ec", "cat"], text), text);
  // a larger input arrives whole
  const big = "x".repeat(200_000) + "\n";
  assert.equal((await ok(["exec", "-i", "ec", "wc", "-c"], big)).trim(), String(big.length));
});

test("tty: exec -t gives raw terminal output", async () => {
  const out = await ok(["exec", "-t", "ec", "sh", "-c", "echo hi; tty"]);
  assert.match(out, /^hi\r\n\/dev\/pts\/\d+\r\n$/);
  const env = await ok(["exec", "-t", "ec", "sh", "-c", "echo $TERM"]);
  assert.equal(env, "xterm\r\n");
});

test("detached exec runs to completion", async () => {
  assert.equal(await ok(["exec", "-d", "ec", "sh", "-c", "sleep 0.3; touch /tmp/x"]), "");
  let seen = false;
  for (let i = 0; i < 50 && !seen; i++) {
    seen = (await d.docker(["exec", "ec", "test", "-f", "/tmp/x"])).code === 0;
    if (!seen) await sleep(100);
  }
  assert.ok(seen, "/tmp/x was not created by the detached exec");
});

test("user, working dir and environment", async () => {
  assert.equal((await ok(["exec", "-u", "1000:1000", "ec", "sh", "-c", "echo $(id -u):$(id -g)"])).trim(), "1000:1000");
  assert.equal((await ok(["exec", "-u", "nobody", "ec", "id", "-u"])).trim(), "65534");
  assert.equal((await ok(["exec", "ec", "id", "-u"])).trim(), "0");
  const bad = await d.docker(["exec", "-u", "nosuchuser", "ec", "true"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /unable to find user nosuchuser/);
  assert.equal((await ok(["exec", "-w", "/tmp", "ec", "pwd"])).trim(), "/tmp");
  assert.equal((await ok(["exec", "ec", "pwd"])).trim(), "/");
  assert.equal((await ok(["exec", "-e", "A=1", "ec", "sh", "-c", "echo $A"])).trim(), "1");
  // the container's env is there, and -e overrides it
  assert.equal((await ok(["exec", "ec", "sh", "-c", "echo $FROM_RUN"])).trim(), "yes");
  assert.equal((await ok(["exec", "-e", "FROM_RUN=no", "ec", "sh", "-c", "echo $FROM_RUN"])).trim(), "no");
});

test("--privileged gets every capability; a plain exec the container's", async () => {
  const capEff = (s: string): string => /CapEff:\s*([0-9a-f]+)/.exec(s)?.[1] ?? `no CapEff in ${JSON.stringify(s)}`;
  const privRun = capEff(await ok(["run", "--rm", "--privileged", "busybox", "grep", "CapEff", "/proc/self/status"]));
  const plainRun = capEff(await ok(["run", "--rm", "busybox", "grep", "CapEff", "/proc/self/status"]));
  assert.notEqual(privRun, plainRun);
  assert.equal(capEff(await ok(["exec", "--privileged", "ec", "grep", "CapEff", "/proc/self/status"])), privRun);
  assert.equal(capEff(await ok(["exec", "ec", "grep", "CapEff", "/proc/self/status"])), plainRun);
});

test("exec inspect over the API: before, during and after; unknown ids", async () => {
  const cid = (await ok(["inspect", "-f", "{{.Id}}", "ec"])).trim();
  const cr = await d.api({
    method: "POST",
    path: "/v1.41/containers/ec/exec",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ Cmd: ["sh", "-c", "sleep 0.5; exit 3"], AttachStdout: true, User: "nobody" }),
  });
  assert.equal(cr.status, 201, cr.body.toString());
  const id = (cr.json as { Id: string }).Id;
  assert.match(id, /^[0-9a-f]{64}$/);
  const get = async (): Promise<ExecJson> => {
    const r = await d.api({ method: "GET", path: `/v1.41/exec/${id}/json` });
    assert.equal(r.status, 200, r.body.toString());
    return r.json as ExecJson;
  };
  const before = await get();
  assert.equal(before.Running, false);
  assert.equal(before.ExitCode, null);
  assert.equal(before.ContainerID, cid);
  assert.deepEqual(before.ProcessConfig, { entrypoint: "sh", arguments: ["-c", "sleep 0.5; exit 3"], privileged: false, user: "nobody", tty: false });
  assert.equal(before.OpenStdout, true);
  assert.equal(before.OpenStdin, false);

  const st = await d.api({ method: "POST", path: `/v1.41/exec/${id}/start`, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Detach: true }) });
  assert.equal(st.status, 200, st.body.toString());
  const during = await get();
  assert.equal(during.Running, true);
  assert.ok(during.Pid > 0);
  let last = during;
  for (let i = 0; i < 50 && last.Running; i++) {
    await sleep(100);
    last = await get();
  }
  assert.equal(last.Running, false);
  assert.equal(last.ExitCode, 3);

  // a second start is a conflict
  const again = await d.api({ method: "POST", path: `/v1.41/exec/${id}/start`, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Detach: true }) });
  assert.equal(again.status, 409, again.body.toString());
  const missing = await d.api({ method: "GET", path: `/v1.41/exec/${"0".repeat(64)}/json` });
  assert.equal(missing.status, 404);
  assert.match(missing.body.toString(), /No such exec instance/);
  const noCmd = await d.api({ method: "POST", path: "/v1.41/containers/ec/exec", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Cmd: [] }) });
  assert.equal(noCmd.status, 400);
});

test("events: exec_create, exec_start, exec_die", async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await d.docker(["exec", "ec", "sh", "-c", "exit 2"]);
  await sleep(300);
  const until = Math.ceil(Date.now() / 1000) + 1;
  const ev = await ok(["events", "--since", String(since), "--until", String(until), "--format", "{{.Action}} {{index .Actor.Attributes \"exitCode\"}}"]);
  assert.match(ev, /^exec_create: sh -c exit 2 $/m);
  assert.match(ev, /^exec_start: sh -c exit 2 $/m);
  assert.match(ev, /^exec_die 2$/m);
});

test("exec into a paused or stopped container fails like docker", async () => {
  await ok(["run", "-d", "--name", "ep", "busybox", "sleep", "600"]);
  await ok(["pause", "ep"]);
  const paused = await d.docker(["exec", "ep", "true"]);
  assert.notEqual(paused.code, 0);
  assert.match(paused.stderr, /is paused, unpause the container before exec/);
  await ok(["unpause", "ep"]);
  await ok(["stop", "-t", "0", "ep"]);
  const stopped = await d.docker(["exec", "ep", "true"]);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /container [0-9a-f]{64} is not running/);
  const nosuch = await d.docker(["exec", "nosuchcontainer", "true"]);
  assert.equal(nosuch.code, 1);
  assert.match(nosuch.stderr, /No such container: nosuchcontainer/);
});

// Drives a command on a pseudo-terminal of 40x120, types `stty size`, resizes to 50x132 (SIGWINCH to the
// CLI), types `stty size` and `exit 6`; prints the exit status and everything the terminal showed.
const PTY_DRIVER = `
import os, pty, sys, time, fcntl, termios, struct, select, subprocess
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
p = subprocess.Popen(sys.argv[1:], stdin=s, stdout=s, stderr=s, start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
os.close(s)
out = b""
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([m], [], [], 0.1)
        if r:
            try:
                d = os.read(m, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
pump(1.5)
os.write(m, b"stty size\\n")
pump(1.0)
fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 132, 0, 0))
os.kill(p.pid, 28)
pump(1.0)
os.write(m, b"stty size\\n")
pump(1.0)
os.write(m, b"exit 6\\n")
pump(2.0)
try:
    code = p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
    code = -1
sys.stdout.write("EXIT %d\\n" % code)
sys.stdout.write(out.decode("utf8", "replace"))
`;

test("interactive exec -it on a terminal: size, resize, exit status", { skip: !existsSync("/usr/bin/python3") && "needs python3 for a pty" }, async () => {
  const driver = path.join(fx, "pty-driver.py");
  writeFileSync(driver, PTY_DRIVER);
  const r = await run("/usr/bin/python3", [driver, DOCKER_CLI, "exec", "-it", "ec", "sh"], { env: d.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^EXIT 6\n/);
  assert.match(r.stdout, /\r\n40 120\r\n/);
  assert.match(r.stdout, /\r\n50 132\r\n/);
});

test("2 MB of binary stdin passes whole through exec -i and run -i (detach keys only watched on a TTY)", async () => {
  // random bytes hold ctrl-p ctrl-q (0x10 0x11) now and then: without a TTY they must not detach
  const data = Buffer.alloc(2 * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (x >> 16) & 0xff;
  }
  for (let i = 1000; i < data.length; i += 65536) data.set([0x10, 0x11], i);
  const want = createHash("md5").update(data).digest("hex");
  const ex = await d.docker(["exec", "-i", "ec", "md5sum"], { input: data });
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal(ex.stdout.split(/\s/)[0], want);
  const run = await d.docker(["run", "-i", "--rm", "--pull=never", "busybox", "md5sum"], { input: data });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.split(/\s/)[0], want);
});

test("inspect lists the running execs in ExecIDs", async () => {
  await ok(["exec", "-d", "ec", "sleep", "3"]);
  const ids = JSON.parse(await ok(["inspect", "-f", "{{json .ExecIDs}}", "ec"])) as string[] | null;
  assert.ok(ids && ids.length >= 1 && /^[0-9a-f]{64}$/.test(ids[0] ?? ""), JSON.stringify(ids));
});

test("a process's supplementary groups hold its primary group, as docker's do; an unknown user reads as docker words it", async () => {
  // outputs taken from Debian's dockerd 20.10 with the same busybox
  assert.equal((await ok(["run", "--rm", "busybox", "id"])).trim(), "uid=0(root) gid=0(root) groups=0(root)");
  assert.equal((await ok(["run", "--rm", "--user", "1000", "busybox", "id"])).trim(), "uid=1000 gid=0(root) groups=0(root)");
  assert.equal((await ok(["run", "--rm", "--user", "1000:50", "busybox", "id"])).trim(), "uid=1000 gid=50 groups=50");
  assert.equal((await ok(["run", "--rm", "--user", "nobody", "busybox", "id"])).trim(), "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)");
  assert.equal((await ok(["run", "--rm", "--user", "1000:1000", "--group-add", "44", "busybox", "id"])).trim(), "uid=1000 gid=1000 groups=44,1000");
  assert.equal((await ok(["exec", "-u", "1000:1000", "ec", "id"])).trim(), "uid=1000 gid=1000 groups=1000");
  const bad = await d.docker(["run", "--rm", "--user", "daemon", "busybox", "true"]);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^docker: Error response from daemon: unable to find user daemon: no matching entries in passwd file\.?$/m);
});
