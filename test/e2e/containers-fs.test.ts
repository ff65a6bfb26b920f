/**
 * A container's filesystem and stats through the real docker CLI: cp both ways (running and stopped
 * containers, files, directories, tar on stdout), symlinks in the container never reaching the host,
 * diff, export, commit (with --change/-m/-a; the new image runs), stats.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { sleep, startBerthd, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-ctr-fs-fx-");
const busybox = path.join(fx, "busybox.tar");
const cleanups: Array<() => Promise<void> | void> = [];
let daemon: Berthd | undefined;

before(async () => {
  makeBusyboxArchive(busybox, { tag: "busybox:latest" });
  daemon = await startBerthd({ after: (fn) => void cleanups.push(fn), diagnostic: (m) => console.error(m) });
  const r = await daemon.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  if (daemon && process.exitCode) console.error(daemon.log());
  for (const fn of cleanups.reverse()) await fn();
  rmSync(fx, { recursive: true, force: true });
});

function d(): Berthd {
  if (!daemon) throw new Error("no daemon");
  return daemon;
}

async function ok(args: string[]): Promise<string> {
  const r = await d().docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function hostDir(): string {
  const dir = mkdtempSync(path.join(fx, "h-"));
  return dir;
}

/** Polls fn until true or the time is up. */
async function until(fn: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(100);
  }
  return fn();
}

async function runDetached(name: string, script: string): Promise<void> {
  await ok(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
}

/** Reads a file of the container through `docker cp c:path -` (a tar on stdout, unpacked by tar). */
function catViaCp(ctr: string, p: string): { code: number; out: string; err: string } {
  const r = spawnSync("bash", ["-c", `set -o pipefail; docker cp '${ctr}:${p}' - | tar -xO`], { env: d().env, encoding: "utf8" });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test("cp host→container: a file and a directory into a running container, seen from inside", async () => {
  const h = hostDir();
  writeFileSync(path.join(h, "hello.txt"), "hello from the host\n");
  mkdirSync(path.join(h, "dir/sub"), { recursive: true });
  writeFileSync(path.join(h, "dir/a"), "A\n");
  writeFileSync(path.join(h, "dir/sub/b"), "B\n");
  await runDetached("cpin", "while [ ! -f /tmp/go ]; do sleep 0.1; done; cat /tmp/hello.txt /tmp/dir/a /tmp/dir/sub/b /renamed.txt");
  await ok(["cp", path.join(h, "hello.txt"), "cpin:/tmp/"]);
  await ok(["cp", path.join(h, "dir"), "cpin:/tmp/dir"]);
  await ok(["cp", path.join(h, "hello.txt"), "cpin:/renamed.txt"]);
  writeFileSync(path.join(h, "go"), "");
  await ok(["cp", path.join(h, "go"), "cpin:/tmp/go"]);
  assert.equal(await ok(["wait", "cpin"]), "0");
  const logs = await d().docker(["logs", "cpin"]);
  assert.equal(logs.stdout, "hello from the host\nA\nB\nhello from the host\n");
});

test("cp host→container into a stopped (created) container", async () => {
  const h = hostDir();
  writeFileSync(path.join(h, "in.txt"), "into a stopped container\n");
  await ok(["create", "--name", "cpstopped", "busybox", "cat", "/tmp/in.txt"]);
  await ok(["cp", path.join(h, "in.txt"), "cpstopped:/tmp/in.txt"]);
  const r = await d().docker(["start", "-a", "cpstopped"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "into a stopped container\n");
  // and out of the now exited container
  const out = hostDir();
  await ok(["cp", "cpstopped:/tmp/in.txt", path.join(out, "back.txt")]);
  assert.equal(readFileSync(path.join(out, "back.txt"), "utf8"), "into a stopped container\n");
  // the snapshot was mounted for the copies only
  assert.ok(await until(async () => !readFileSync("/proc/self/mountinfo", "utf8").includes("berth-ctrfs-"), 3_000), "a temporary rootfs mount was left behind");
});

test("cp container→host: file, directory, tar on stdout; a missing path is docker's error", async () => {
  await runDetached("quiet", "sleep 300");
  await runDetached("cpout", "mkdir -p /data/sub && echo one > /data/one && echo two > /data/sub/two && sleep 300");
  assert.ok(await until(async () => (await d().docker(["cp", "cpout:/data/sub/two", path.join(fx, "probe")])).code === 0, 10_000));
  const h = hostDir();
  await ok(["cp", "cpout:/etc/passwd", path.join(h, "passwd")]);
  assert.match(readFileSync(path.join(h, "passwd"), "utf8"), /^root:x:0:0:/);
  await ok(["cp", "cpout:/data", path.join(h, "data")]);
  assert.equal(readFileSync(path.join(h, "data/one"), "utf8"), "one\n");
  assert.equal(readFileSync(path.join(h, "data/sub/two"), "utf8"), "two\n");
  await ok(["cp", "cpout:/bin", path.join(h, "bin")]);
  assert.ok(existsSync(path.join(h, "bin/busybox")));
  // /etc/hostname is the container's own (bound in from the bundle), not the image's
  const hn = catViaCp("cpout", "/etc/hostname");
  assert.equal(hn.code, 0, hn.err);
  assert.equal(hn.out.trim(), (await ok(["inspect", "-f", "{{.Config.Hostname}}", "cpout"])).trim());
  // `-`: a tar on stdout
  const list = spawnSync("bash", ["-c", "set -o pipefail; docker cp cpout:/data - | tar -t | sort"], { env: d().env, encoding: "utf8" });
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split("\n"), ["data/", "data/one", "data/sub/", "data/sub/two"]);
  // a missing path
  const miss = await d().docker(["cp", "cpout:/nope", h]);
  assert.equal(miss.code, 1);
  assert.match(miss.stderr, /Could not find the file \/nope in container cpout/);
  const miss2 = await d().docker(["cp", path.join(h, "passwd"), "cpout:/no/such/dir/"]);
  assert.equal(miss2.code, 1, miss2.stdout);
  // a trailing slash asserts a directory: a file there is refused and left alone (docker: "no such directory")
  const notDir = await d().docker(["cp", path.join(h, "data/one"), "cpout:/etc/passwd/"]);
  assert.equal(notDir.code, 1);
  assert.match(notDir.stderr, /no such directory/);
  assert.match(catViaCp("cpout", "/etc/passwd").out, /^root:x:0:0:/);
  const getNotDir = await d().docker(["cp", "cpout:/etc/passwd/", h]);
  assert.equal(getNotDir.code, 1);
  assert.match(getNotDir.stderr, /not a directory/);
  // a running container that changed nothing has no changes (the runtime's mount points are hidden)
  assert.equal(await ok(["diff", "quiet"]), "");
  // a missing container
  const noc = await d().docker(["cp", "nosuchcontainer:/etc/passwd", h]);
  assert.equal(noc.code, 1);
  assert.match(noc.stderr, /No such container: nosuchcontainer/);
});

test("cp through symlinks made in the container stays inside the container", async () => {
  const marker = `berth-cp-escape-${process.pid}`;
  t_cleanupHost(marker);
  await runDetached("cpesc", "ln -s / /tmp/esc && ln -s ../../../../.. /tmp/up && ln -s /etc /tmp/etclink && touch /tmp/ready && sleep 300");
  assert.ok(await until(async () => catViaCp("cpesc", "/tmp/ready").code === 0, 10_000));
  const h = hostDir();
  writeFileSync(path.join(h, marker), "inside\n");
  await ok(["cp", path.join(h, marker), `cpesc:/tmp/esc/etc/${marker}`]);
  await ok(["cp", path.join(h, marker), `cpesc:/tmp/up/${marker}`]);
  await ok(["cp", path.join(h, marker), "cpesc:/tmp/etclink/"]);
  await ok(["cp", path.join(h, marker), "cpesc:/tmp/up/tmp/"]);
  for (const p of [`/etc/${marker}`, `/${marker}`, `/tmp/${marker}`]) assert.ok(!existsSync(p), `${p} was written on the host`);
  // …and the files landed in the container's own /etc, / and /tmp
  for (const p of [`/etc/${marker}`, `/${marker}`, `/tmp/${marker}`]) {
    const r = catViaCp("cpesc", p);
    assert.equal(r.code, 0, `${p}: ${r.err}`);
    assert.equal(r.out, "inside\n");
  }
  // reading through them reads the container's files, not the host's
  const shadowish = catViaCp("cpesc", "/tmp/up/etc/passwd");
  assert.equal(shadowish.code, 0, shadowish.err);
  assert.equal(shadowish.out, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
});

function t_cleanupHost(marker: string): void {
  cleanups.push(() => {
    for (const p of [`/etc/${marker}`, `/${marker}`, `/tmp/${marker}`]) rmSync(p, { force: true });
  });
}

test("diff lists A/C/D; export holds the rootfs; commit makes an image that runs", async () => {
  await ok(["run", "--name", "changer", "busybox", "sh", "-c", "echo x > /new.txt && echo extra >> /etc/passwd && rm /etc/group && mkdir /newdir"]);
  const diff = (await ok(["diff", "changer"])).split("\n");
  for (const line of ["A /new.txt", "C /etc", "C /etc/passwd", "D /etc/group", "A /newdir"]) assert.ok(diff.includes(line), `${line} missing from:\n${diff.join("\n")}`);
  assert.ok(!diff.some((l) => l.includes("/bin/busybox")));
  assert.ok(!diff.some((l) => /\/etc\/(hosts|hostname|resolv\.conf)$/.test(l)), diff.join("\n"));

  const h = hostDir();
  await ok(["export", "-o", path.join(h, "x.tar"), "changer"]);
  const names = spawnSync("tar", ["-tf", path.join(h, "x.tar")], { encoding: "utf8" }).stdout.split("\n");
  assert.ok(names.includes("bin/busybox"), names.slice(0, 20).join(" "));
  assert.ok(names.includes("new.txt"));
  assert.ok(!names.includes("etc/group"));
  // export to stdout
  assert.ok(await until(async () => !readFileSync("/proc/self/mountinfo", "utf8").includes("berth-ctrfs-"), 3_000), "a temporary rootfs mount was left behind");
  const piped = spawnSync("bash", ["-c", "set -o pipefail; docker export changer | tar -t | grep -c '^bin/busybox$'"], { env: d().env, encoding: "utf8" });
  assert.equal(piped.stdout.trim(), "1", piped.stderr);

  const id = await ok(["commit", "-c", 'CMD ["echo","hi"]', "-m", "msg", "-a", "me", "changer", "img:new"]);
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  const run = await d().docker(["run", "--rm", "img:new"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "hi\n");
  assert.equal(await ok(["image", "inspect", "-f", "{{.Comment}}|{{.Author}}|{{.Id}}", "img:new"]), `msg|me|${id}`);
  const files = await d().docker(["run", "--rm", "img:new", "sh", "-c", "cat /new.txt; tail -n1 /etc/passwd; test -e /etc/group || echo gone"]);
  assert.equal(files.stdout, "x\nextra\ngone\n", files.stderr);
  const hist = await ok(["history", "--no-trunc", "--format", "{{.Comment}}", "img:new"]);
  assert.equal(hist.split("\n")[0], "msg");
  // the runtime's mount points (/etc/hosts…) are not part of the committed layer: a never-started
  // container of the new image has them nowhere in its rootfs, and no changes
  await ok(["create", "--name", "fromnew", "img:new"]);
  assert.equal(await ok(["diff", "fromnew"]), "");
  await ok(["export", "-o", path.join(h, "y.tar"), "fromnew"]);
  const names2 = spawnSync("tar", ["-tf", path.join(h, "y.tar")], { encoding: "utf8" }).stdout.split("\n");
  assert.ok(names2.includes("new.txt") && names2.includes("bin/busybox"));
  for (const n of ["etc/hosts", "etc/hostname", "etc/resolv.conf"]) assert.ok(!names2.includes(n), `${n} in the committed image`);
});

test("commit of a running container pauses it and leaves it running", async () => {
  await runDetached("livecommit", "echo live > /live.txt; sleep 300");
  assert.ok(await until(async () => catViaCp("livecommit", "/live.txt").code === 0, 10_000));
  const id = await ok(["commit", "livecommit", "img:live"]);
  assert.match(id, /^sha256:/);
  assert.equal(await ok(["inspect", "-f", "{{.State.Status}}", "livecommit"]), "running");
  const r = await d().docker(["run", "--rm", "img:live", "cat", "/live.txt"]);
  assert.equal(r.stdout, "live\n", r.stderr);
  // the commit event
  const ev = await ok(["events", "--since", "0", "--until", String(Math.floor(Date.now() / 1000) + 1), "--filter", "event=commit", "--format", "{{.Actor.Attributes.name}}"]);
  assert.ok(ev.split("\n").includes("livecommit"), ev);
  // a bad --change is refused, the container stays running and unpaused
  const bad = await d().docker(["commit", "-c", "FROM busybox", "livecommit", "img:bad"]);
  assert.equal(bad.code, 1);
  assert.equal(await ok(["inspect", "-f", "{{.State.Status}}", "livecommit"]), "running");
});

test("stats: a running container's memory; a stopped container's empty sample; the API stream", async () => {
  await runDetached("statme", "sleep 300");
  const line = await ok(["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", "statme"]);
  const m = /^statme ([\d.]+)([KMG]i?B|B) \/ ([\d.]+)([KMGT]i?B|B)$/.exec(line);
  assert.ok(m, line);
  assert.ok(Number(m[1]) > 0, line);
  assert.ok(Number(m[3]) > 0, line);

  // a memory limit of its own is the sample's limit
  await ok(["run", "-d", "--name", "statlimited", "-m", "64m", "busybox", "sleep", "300"]);
  assert.match(await ok(["stats", "--no-stream", "--format", "{{.MemUsage}}", "statlimited"]), / \/ 64MiB$/);

  await ok(["create", "--name", "statstopped", "busybox", "true"]);
  const st = await d().docker(["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.CPUPerc}}", "statstopped"]);
  assert.equal(st.code, 0, st.stderr);
  assert.equal(st.stdout.trim(), "statstopped 0B / 0B 0.00%");

  // stream=false: one sample with precpu filled (as dockerd, after a second)
  const one = await d().api({ method: "GET", path: "/containers/statme/stats?stream=false" });
  assert.equal(one.status, 200);
  const s = JSON.parse(one.body.toString()) as {
    name: string;
    id: string;
    read: string;
    preread: string;
    cpu_stats: { system_cpu_usage: number; online_cpus: number; cpu_usage: { total_usage: number } };
    precpu_stats: { system_cpu_usage: number };
    memory_stats: { usage: number; limit: number; stats: Record<string, number> };
    pids_stats: { current: number };
  };
  assert.equal(s.name, "/statme");
  assert.match(s.id, /^[0-9a-f]{64}$/);
  assert.ok(s.cpu_stats.system_cpu_usage > s.precpu_stats.system_cpu_usage && s.precpu_stats.system_cpu_usage > 0);
  assert.ok(s.cpu_stats.online_cpus >= 1);
  assert.ok(s.memory_stats.usage > 0 && s.memory_stats.limit > 0);
  assert.ok(Object.keys(s.memory_stats.stats).length > 0);
  assert.ok(s.pids_stats.current >= 1);
  assert.ok(Date.parse(s.read) > Date.parse(s.preread));
  // stopped, stream=false: name and id only
  const empty = JSON.parse((await d().api({ method: "GET", path: "/containers/statstopped/stats?stream=false" })).body.toString()) as { name: string; read: string; memory_stats: object };
  assert.equal(empty.name, "/statstopped");
  assert.equal(empty.read, "0001-01-01T00:00:00Z");
  assert.deepEqual(empty.memory_stats, {});
  // streaming: newline-delimited JSON, one a second
  const lines = await readStatsLines(d().socket, "/containers/statme/stats", 2, 5_000);
  assert.equal(lines.length, 2);
  const [a, b] = lines.map((l) => JSON.parse(l) as { read: string; preread: string });
  assert.equal(a?.preread, "0001-01-01T00:00:00Z");
  assert.equal(b?.preread, a?.read);
  const missing = await d().docker(["stats", "--no-stream", "nosuchcontainer"]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /No such container: nosuchcontainer/);
});

/** Reads n newline-terminated lines of a streaming response, then closes it. */
function readStatsLines(socketPath: string, p: string, n: number, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let buf = "";
    const timer = setTimeout(() => {
      req.destroy();
      resolve(lines);
    }, ms);
    const req = request({ socketPath, path: p, method: "GET" }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf("\n")) >= 0 && lines.length < n) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        if (lines.length >= n) {
          clearTimeout(timer);
          req.destroy();
          resolve(lines);
        }
      });
    });
    req.on("error", (e) => {
      if (lines.length < n) reject(e);
    });
    req.end();
  });
}

test("native storage driver: cp into a stopped container, diff and commit against the image's tree", async (t) => {
  const n = await startBerthd(t, { storageDriver: "native" });
  const dk = async (args: string[]): Promise<string> => {
    const r = await n.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  await dk(["load", "-q", "-i", busybox]);
  const h = hostDir();
  writeFileSync(path.join(h, "in.txt"), "native\n");
  await dk(["create", "--name", "nat", "busybox", "sh", "-c", "cat /in.txt; rm /etc/group; echo more >> /etc/passwd"]);
  await dk(["cp", path.join(h, "in.txt"), "nat:/in.txt"]);
  assert.equal(await dk(["diff", "nat"]), "A /in.txt");
  assert.equal(await dk(["start", "-a", "nat"]), "native");
  assert.deepEqual((await dk(["diff", "nat"])).split("\n"), ["C /etc", "D /etc/group", "C /etc/passwd", "A /in.txt"]);
  await dk(["commit", "-c", 'CMD ["cat","/in.txt"]', "nat", "nat:img"]);
  assert.equal(await dk(["run", "--rm", "nat:img"]), "native");
  assert.equal(await dk(["run", "--rm", "nat:img", "sh", "-c", "test -e /etc/group || tail -n1 /etc/passwd"]), "more");
  // nothing left of the comparison copies: removing the image and container leaves no snapshots behind
  await dk(["rm", "nat"]);
  await dk(["rmi", "nat:img"]);
});
