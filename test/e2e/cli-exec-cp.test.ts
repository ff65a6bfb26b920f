/**
 * The berth CLI's exec, cp, stats, export, commit, update and container inspect against a real berthd,
 * with the docker CLI as the judge where both can run the same thing. Containers are started with the
 * docker CLI (berth's own `run` is tested elsewhere).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { BERTH_JS, startBerthd, type Berthd } from "../helpers/daemon.js";
import { run as runProgram } from "../helpers/run.js";

const fx = mkdtempSync("/tmp/berth-cli-exec-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

async function ready(t: Parameters<typeof startBerthd>[0]): Promise<Berthd> {
  const d = await startBerthd(t);
  const r = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
  const c = await d.docker(["run", "-d", "--name", "c1", "busybox", "sleep", "300"]);
  assert.equal(c.code, 0, c.stderr);
  return d;
}

/** A container file's content, read with the docker CLI (so cp tests do not depend on exec). */
async function catIn(d: Berthd, dir: string, file: string): Promise<string> {
  const dst = mkdtempSync(path.join(dir, "cat-"));
  const r = await d.docker(["cp", `c1:${file}`, path.join(dst, "f")]);
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(path.join(dst, "f"), "utf8");
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync("/tmp/berth-cli-exec-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("berth exec: output, exit codes, stdin, env/workdir/user, detach, errors", async (t) => {
  const d = await ready(t);
  let r = await d.berth(["exec", "c1", "echo", "hi"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, "hi\n", ""]);
  r = await d.berth(["exec", "c1", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [3, "out\n", "err\n"]);
  r = await d.berth(["exec", "-i", "c1", "cat"], { input: "from stdin" });
  assert.deepEqual([r.code, r.stdout], [0, "from stdin"]);
  r = await d.berth(["exec", "-e", "A=1", "-w", "/tmp", "c1", "sh", "-c", "echo $A $(pwd)"]);
  assert.deepEqual([r.code, r.stdout], [0, "1 /tmp\n"]);
  r = await d.berth(["exec", "-u", "65534", "c1", "id", "-u"]);
  assert.deepEqual([r.code, r.stdout], [0, "65534\n"]);
  r = await d.berth(["exec", "-d", "c1", "sh", "-c", "echo done > /tmp/detached"]);
  assert.deepEqual([r.code, r.stdout], [0, ""]);
  let seen = "";
  for (let i = 0; i < 50 && seen !== "done\n"; i++) seen = (await d.berth(["exec", "c1", "cat", "/tmp/detached"])).stdout;
  assert.equal(seen, "done\n");

  // Not-found command and not-executable file: docker's 127 and 126, judged by the docker CLI.
  for (const cmd of [["nope-not-here"], ["/etc/passwd"]]) {
    const b = await d.berth(["exec", "c1", ...cmd]);
    const k = await d.docker(["exec", "c1", ...cmd]);
    assert.equal(b.code, k.code, `${cmd.join(" ")}: berth ${b.code} ${b.stdout}${b.stderr} / docker ${k.code} ${k.stdout}${k.stderr}`);
    assert.ok(b.code === 126 || b.code === 127, String(b.code));
  }

  r = await d.berth(["exec", "nosuch", "true"]);
  assert.deepEqual([r.code, r.stderr], [1, "Error response from daemon: No such container: nosuch\n"]);
  r = await d.berth(["exec", "c1"]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "berth: 'berth exec' requires at least 2 arguments\n\nUsage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'berth exec --help' for more information\n");
  r = await d.berth(["exec", "-it", "c1", "sh"], { input: "" });
  assert.deepEqual([r.code, r.stderr], [1, "the input device is not a TTY\n"]);
});

test("berth exec -it under a pseudo-terminal: raw output, exit code and detach keys as docker", async (t) => {
  const d = await ready(t);
  const runPty = async (cli: string, args: string, input: string): Promise<{ out: string; code: number }> => {
    const r = await runProgram("bash", ["-c", `(${input}) | script -qec ${JSON.stringify(`stty cols 90 rows 30; ${cli} ${args}`)} /dev/null; exit \${PIPESTATUS[1]}`], { env: d.env });
    // busybox's line editor may redraw its prompt (timing-dependent): compare without prompts.
    return { out: r.stdout.replace(/\r?\/ # (\x1b\[6n|\x1b\[J)?/g, ""), code: r.code };
  };
  const berth = `${process.execPath} ${BERTH_JS}`;
  const session = "sleep 1; printf 'echo hello $((2+3)); stty size\\n'; sleep 1; printf 'exit 5\\n'; sleep 1";
  const b = await runPty(berth, "exec -it c1 sh", session);
  const k = await runPty("docker", "exec -it c1 sh", session);
  assert.equal(b.code, 5, b.out);
  assert.deepEqual(b, k);
  assert.match(b.out, /hello 5\r\n30 90\r\n/);
  const detach = "sleep 1; printf 'echo a\\n'; sleep 0.5; printf '\\020\\021'; sleep 2";
  const bd = await runPty(berth, "exec -it c1 sh", detach);
  const kd = await runPty("docker", "exec -it c1 sh", detach);
  assert.deepEqual(bd, kd);
  assert.equal(bd.code, 1);
  assert.match(bd.out, /read escape sequence\r\n$/);
});

test("berth cp: both ways, files and directories, trailing /., and tar on stdout", async (t) => {
  const d = await ready(t);
  const dir = tmp(t);
  // local file → existing container directory
  writeFileSync(path.join(dir, "f.txt"), "hello cp\n");
  let r = await d.berth(["cp", path.join(dir, "f.txt"), "c1:/tmp/"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
  assert.equal(await catIn(d, dir, "/tmp/f.txt"), "hello cp\n");
  // local file → new container file name
  r = await d.berth(["cp", path.join(dir, "f.txt"), "c1:/tmp/renamed"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await catIn(d, dir, "/tmp/renamed"), "hello cp\n");
  // local directory → new container path
  mkdirSync(path.join(dir, "tree", "sub"), { recursive: true });
  writeFileSync(path.join(dir, "tree", "sub", "a"), "A");
  r = await d.berth(["cp", path.join(dir, "tree"), "c1:/tmp/newtree"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await catIn(d, dir, "/tmp/newtree/sub/a"), "A");
  // container file → local directory, and → local new name
  const out = path.join(dir, "out");
  mkdirSync(out);
  r = await d.berth(["cp", "c1:/etc/passwd", `${out}/`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(path.join(out, "passwd"), "utf8"), /^root:x:0:0/);
  r = await d.berth(["cp", "c1:/etc/group", path.join(out, "g")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(path.join(out, "g"), "utf8"), /^root:x:0:/);
  // container directory → new local path; and its contents (/.) into an existing directory; berth and docker agree
  for (const [cli, tag] of [[d.berth, "b"], [d.docker, "k"]] as const) {
    r = await cli(["cp", "c1:/etc", path.join(out, `etc-${tag}`)]);
    assert.equal(r.code, 0, r.stderr);
    mkdirSync(path.join(out, `dot-${tag}`));
    r = await cli(["cp", "c1:/etc/.", path.join(out, `dot-${tag}`)]);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual(readdirSync(path.join(out, "etc-b")).sort(), readdirSync(path.join(out, "etc-k")).sort());
  assert.deepEqual(readdirSync(path.join(out, "dot-b")).sort(), readdirSync(path.join(out, "dot-k")).sort());
  assert.ok(existsSync(path.join(out, "dot-b", "passwd")));
  // directory onto an existing file; a file into a directory that does not exist
  r = await d.berth(["cp", "c1:/etc", path.join(out, "g")]);
  assert.deepEqual([r.code, r.stderr], [1, "cannot copy directory\n"]);
  r = await d.berth(["cp", "c1:/etc/passwd", path.join(out, "nodir") + "/"]);
  assert.deepEqual([r.code, r.stderr], [1, "no such directory\n"]);
  // tar to stdout
  const tarFile = path.join(dir, "p.tar");
  const raw = execFileSync(process.execPath, [BERTH_JS, "cp", "c1:/etc/passwd", "-"], { env: d.env });
  writeFileSync(tarFile, raw);
  assert.equal(execFileSync("tar", ["-tf", tarFile], { encoding: "utf8" }), "passwd\n");
  // tar from stdin into a container directory
  const inDir = path.join(dir, "in");
  mkdirSync(inDir);
  writeFileSync(path.join(inDir, "fromtar"), "T");
  const tarIn = execFileSync("tar", ["-cf", "-", "-C", inDir, "fromtar"]);
  const p = execFileSync(process.execPath, [BERTH_JS, "cp", "-", "c1:/tmp"], { env: d.env, input: tarIn });
  assert.equal(p.toString(), "");
  assert.equal(await catIn(d, dir, "/tmp/fromtar"), "T");
  r = await d.berth(["cp", "-", "c1:/tmp/nodir"], { input: "" });
  assert.deepEqual([r.code, r.stderr], [1, 'destination "c1:/tmp/nodir" must be a directory\n']);
  r = await d.berth(["cp", "a", "b"]);
  assert.deepEqual([r.code, r.stderr], [1, "must specify at least one container source\n"]);
});

test("berth export, commit, update, stats, container inspect", async (t) => {
  const d = await ready(t);
  const dir = tmp(t);
  const tarPath = path.join(dir, "c1.tar");
  let r = await d.berth(["export", "-o", tarPath, "c1"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
  assert.match(execFileSync("tar", ["-tf", tarPath], { encoding: "utf8" }), /bin\/busybox/);

  r = await d.berth(["commit", "-c", "ENV FOO=bar", "-m", "msg", "c1", "snap:v1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const img = await d.docker(["image", "inspect", "-f", "{{.Comment}}|{{.Config.Env}}", "snap:v1"]);
  assert.equal(img.code, 0, img.stderr);
  assert.match(img.stdout, /^msg\|.*FOO=bar/);

  r = await d.berth(["update", "--memory", "64m", "--memory-swap", "128m", "--cpu-shares", "512", "--restart", "on-failure:2", "c1"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, "c1\n", ""]);
  const hc = await d.docker(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.CpuShares}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", "c1"]);
  assert.equal(hc.stdout, "67108864 134217728 512 on-failure:2\n");
  r = await d.berth(["update", "c1"]);
  assert.deepEqual([r.code, r.stderr], [1, "you must provide one or more flags when using this command\n"]);
  r = await d.berth(["update", "-m", "12q", "c1"]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^invalid argument "12q" for "-m, --memory" flag: invalid suffix: 'q'\n/);

  r = await d.berth(["stats", "--no-stream", "c1"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0] ?? "", /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
  assert.match(lines[1] ?? "", /^[0-9a-f]{12}\s+c1\s+\d+\.\d\d%\s+\S+ \/ \S+\s+\d+\.\d\d%\s+\S+ \/ \S+\s+\S+ \/ \S+\s+\d+$/);
  r = await d.berth(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "c1"]);
  assert.equal(r.stdout, "c1 1\n");
  r = await d.berth(["stats", "--no-stream", "nosuch"]);
  assert.deepEqual([r.code, r.stderr], [1, "Error response from daemon: No such container: nosuch\n"]);

  r = await d.berth(["container", "inspect", "-f", "{{.Name}} {{.State.Running}}", "c1"]);
  assert.deepEqual([r.code, r.stdout], [0, "/c1 true\n"]);
  r = await d.berth(["inspect", "-f", "{{.Name}}", "c1"]);
  assert.deepEqual([r.code, r.stdout], [0, "/c1\n"]);
  r = await d.berth(["inspect", "--type", "image", "-f", "{{.RepoTags}}", "busybox"]);
  assert.deepEqual([r.code, r.stdout], [0, "[busybox:latest]\n"]);
  r = await d.berth(["container", "inspect", "busybox"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, "[]\n", "Error response from daemon: No such container: busybox\n"]);
  const k = await d.docker(["container", "inspect", "busybox"]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [k.code, k.stdout, k.stderr.replace(/docker/g, "berth")]);
  r = await d.berth(["inspect", "--type", "container", "c1"]);
  const j = JSON.parse(r.stdout) as Array<{ Name: string }>;
  assert.equal(j[0]?.Name, "/c1");
});
