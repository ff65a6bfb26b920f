/**
 * Interactive containers through a real pty (util-linux `script`), with both the berth CLI and the
 * docker CLI against one berthd: `run -it` gives a shell whose exit code comes back, `attach` detaches
 * with ctrl-p ctrl-q and leaves the container running, and TTY logs keep their CR LF.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { BERTH_JS, DOCKER_CLI, REFERENCE_DOCKERD, sleep, startBerthd, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-tty-fx-");
const busybox = path.join(fx, "busybox.tar");
let d: Berthd;
before(async () => {
  makeBusyboxArchive(busybox, { tag: "busybox:latest" });
  d = await startBerthd();
  const r = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await d?.cleanup();
  rmSync(fx, { recursive: true, force: true });
});

interface PtySession {
  write(s: string): void;
  /** Resolves true once the output matches re (bounded by ms). */
  waitFor(re: RegExp, ms: number): Promise<boolean>;
  output(): string;
  exit: Promise<number>;
}

/** Runs `command` (a shell command line) on a fresh pty. */
function onPty(command: string): PtySession {
  const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { ...d.env, TERM: "xterm" }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exit = new Promise<number>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    }),
  );
  return {
    write: (s) => child.stdin.write(s),
    output: () => out,
    exit,
    async waitFor(re, ms) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (re.test(out)) return true;
        await sleep(50);
      }
      return re.test(out);
    },
  };
}

// The berth CLI joins this list when its run/attach commands land (containers issue, in progress).
const clis: Array<[string, string]> = [["docker", DOCKER_CLI]];
void BERTH_JS;

for (const [name, cli] of clis) {
  describe(`${name} CLI on a pty`, () => {
    test("run -it: an interactive shell, its exit code comes back", async () => {
      const s = onPty(`${cli} run -it --rm busybox sh`);
      assert.ok(await s.waitFor(/\/ # /, 10_000), `no prompt: ${JSON.stringify(s.output())}`);
      s.write("echo hi-$((1+2))\r");
      assert.ok(await s.waitFor(/hi-3/, 5_000), `no echo: ${JSON.stringify(s.output())}`);
      s.write("exit 5\r");
      assert.equal(await s.exit, 5, s.output());
    });

    test("attach, then detach with ctrl-p ctrl-q: the container keeps running", async () => {
      const cname = `${name}-att`;
      const r = await d.docker(["run", "-dit", "--name", cname, "busybox", "sh"]);
      assert.equal(r.code, 0, r.stderr);
      const s = onPty(`${cli} attach ${cname}`);
      await sleep(500);
      s.write("echo attached-$((2+2))\r");
      assert.ok(await s.waitFor(/attached-4/, 10_000), `no output: ${JSON.stringify(s.output())}`);
      s.write("\x10\x11");
      assert.equal(await s.exit, 1, s.output()); // docker CLI 28 exits 1 after "read escape sequence"
      assert.match(s.output(), /read escape sequence/);
      const st = await d.docker(["inspect", "-f", "{{.State.Running}}", cname]);
      assert.equal(st.stdout.trim(), "true");
      assert.equal((await d.docker(["rm", "-f", cname])).code, 0);
    });

    test("resize reaches the container's pty", async () => {
      const cname = `${name}-rsz`;
      const r = await d.docker(["run", "-dit", "--name", cname, "busybox", "sh"]);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      const rs = await d.api({ method: "POST", path: `/v1.41/containers/${id}/resize?h=33&w=101` });
      assert.equal(rs.status, 200, rs.body.toString());
      const s = await d.docker(["exec", cname, "stty", "size", "-F", "/dev/console"]);
      assert.equal(s.stdout.trim(), "33 101", s.stderr);
      assert.equal((await d.docker(["rm", "-f", cname])).code, 0);
    });

    // This used to hang now and then under load: berthd removed conmon's temporary exit file, so conmon
    // died before reporting the exit (fixed in runtime watchExits).
    test("logs of a TTY container keep CR LF", async () => {
      const cname = `${name}-ttylog`;
      const r = await d.docker(["run", "-t", "--name", cname, "busybox", "sh", "-c", "echo a; echo b"], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      const l = await d.docker(["logs", cname]);
      assert.equal(l.stdout, "a\r\nb\r\n");
      assert.equal((await d.docker(["rm", cname])).code, 0);
    });
  });
}

test("berthd stops promptly on SIGTERM while a client is attached, and the container keeps running", async (t) => {
  const own = await startBerthd(t);
  const r = await own.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await own.docker(["run", "-dit", "--name", "held", "busybox", "sh"])).code, 0);
  const pid = Number((await own.docker(["inspect", "-f", "{{.State.Pid}}", "held"])).stdout.trim());
  const attached = spawn(DOCKER_CLI, ["attach", "held"], { env: own.env, stdio: ["pipe", "ignore", "ignore"] });
  t.after(() => {
    attached.kill("SIGKILL");
  });
  await sleep(700);
  const t0 = Date.now();
  await own.stop();
  const ms = Date.now() - t0;
  assert.ok(ms < 8000, `berthd took ${ms} ms to stop with a client attached (the helper SIGKILLs after 10 s)`);
  process.kill(pid, 0); // throws if the container died with the daemon
  await own.restart();
  assert.equal((await own.docker(["inspect", "-f", "{{.State.Running}}", "held"])).stdout.trim(), "true");
});
