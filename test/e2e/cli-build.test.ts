/**
 * `berth build` against berthd, side by side with the docker CLI's legacy builder path: output lines,
 * -q, --iidfile, a failing RUN's exit code, .dockerignore applied by the CLI, -f outside the context,
 * `-` (Dockerfile or tar on stdin), --build-arg/--label/--target, and the same image config as
 * `DOCKER_BUILDKIT=0 docker build` of the same context.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { REPO_ROOT, startBerthd, type Berthd } from "../helpers/daemon.js";
import { contextDir } from "../helpers/context-dir.js";

const fx = mkdtempSync("/tmp/berth-cli-build-fx-");
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

const context = (t: { after(fn: () => void): void }, files: Record<string, string | Buffer>): string => contextDir(t, fx, files);

const legacy = { DOCKER_BUILDKIT: "0" };
const berth = (args: string[], input?: string | Buffer) => d.berth(args, { timeoutMs: 120_000, input });
const dockerBuild = (args: string[], input?: string | Buffer) => d.docker(["build", ...args], { env: legacy, timeoutMs: 120_000, input });

async function ok(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

const imageId = (ref: string): Promise<string> => ok(["image", "inspect", "-f", "{{.Id}}", ref]);

test("build -t: docker's output lines, a tagged image that runs; image build and builder build too", async (t) => {
  const dir = context(t, { Dockerfile: 'FROM busybox\nRUN echo built-here > /built.txt && echo run-output\nCMD ["cat", "/built.txt"]\n' });
  const r = await berth(["build", "-t", "cli:v1", "-t", "cli:v1b", dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^Sending build context to Docker daemon {2}2\.048kB\r\r\nStep 1\/3 : FROM busybox\n ---> [0-9a-f]{12}\n/);
  assert.match(r.stdout, /Step 2\/3 : RUN echo built-here > \/built.txt && echo run-output\n ---> Running in [0-9a-f]{12}\nrun-output\n/);
  assert.match(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged cli:v1\nSuccessfully tagged cli:v1b\n$/);
  assert.equal(r.stderr, "");
  assert.equal(await ok(["run", "--rm", "cli:v1"]), "built-here");
  assert.equal(await imageId("cli:v1b"), await imageId("cli:v1"));

  // the docker CLI's output of the same (now cached) build has the same shape, line for line
  const dk = await dockerBuild(["-t", "cli:docker", dir]);
  assert.equal(dk.code, 0, dk.stderr);
  const again = await berth(["build", "-t", "cli:docker", dir]);
  assert.equal(again.stdout, dk.stdout);

  for (const words of [["image", "build"], ["builder", "build"]]) {
    const a = await berth([...words, "-q", dir]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout.trim(), await imageId("cli:v1"));
  }
});

test("-q prints only the image id; --iidfile writes it; neither shows the upload line", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nRUN echo quiet-run-output\nLABEL q=1\n" });
  const iid = path.join(dir, "..", `${path.basename(dir)}.iid`);
  t.after(() => rmSync(iid, { force: true }));
  writeFileSync(iid, "stale");
  const r = await berth(["build", "-q", "--iidfile", iid, "-t", "quiet:1", dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(r.stdout.trim(), await imageId("quiet:1"));
  assert.equal(readFileSync(iid, "utf8").trim(), r.stdout.trim());

  const iid2 = `${iid}2`;
  t.after(() => rmSync(iid2, { force: true }));
  const v = await berth(["build", "--iidfile", iid2, dir]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(readFileSync(iid2, "utf8"), await imageId("quiet:1"));
  assert.doesNotMatch(v.stdout, /Successfully tagged/);
});

test("a failing RUN exits with its code; the message and output are docker's", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nRUN echo about-to-fail && exit 3\n" });
  const iid = path.join(dir, "..", `${path.basename(dir)}.iid`);
  t.after(() => rmSync(iid, { force: true }));
  writeFileSync(iid, "stale");
  const r = await berth(["build", "--iidfile", iid, "-t", "broken:1", dir]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /\nabout-to-fail\n/);
  assert.equal(r.stderr, "The command '/bin/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3\n");
  assert.throws(() => readFileSync(iid), /ENOENT/, "a stale --iidfile is removed");
  assert.notEqual((await d.docker(["image", "inspect", "broken:1"])).code, 0);

  const dk = await dockerBuild(["-t", "broken:1", dir]);
  assert.equal(dk.code, 3);
  assert.ok(dk.stderr.endsWith(r.stderr), dk.stderr);

  // quiet: the held output goes to stderr with the error
  const q = await berth(["build", "-q", dir]);
  assert.equal(q.code, 3);
  assert.equal(q.stdout, "");
  assert.match(q.stderr, /about-to-fail\n/);
  assert.match(q.stderr, /returned a non-zero code: 3\n$/);

  // a Dockerfile error: exit 1 with the daemon's message
  const bad = context(t, { Dockerfile: "FROM busybox\nFOO bar\n" });
  const b = await berth(["build", bad]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /line 2/);
});

test(".dockerignore: excluded files are not sent and not in the image; re-included ones are", async (t) => {
  const big = Buffer.alloc(3_000_000, 7);
  const dir = context(t, {
    Dockerfile: "FROM busybox\nCOPY . /ctx/\n",
    ".dockerignore": "# comment\nbig/\nlogs\n!logs/keep.log\n*.secret\nDockerfile\n.dockerignore\n",
    "big/blob.bin": big,
    "logs/keep.log": "keep\n",
    "logs/drop.log": "drop\n",
    "app/main.txt": "main\n",
    "app/key.secret": "no\n",
    "top.secret": "no\n",
  });
  const r = await berth(["build", "-t", "ignored:1", dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const sent = /Sending build context to Docker daemon +([\d.]+)(k?B)\r/.exec(r.stdout);
  assert.ok(sent !== null, r.stdout);
  assert.ok(sent[2] === "B" || Number(sent[1]) < 100, `the excluded 3 MB blob was sent: ${sent[0]}`);
  const files = await ok(["run", "--rm", "ignored:1", "find", "/ctx", "-type", "f"]);
  // `*.secret` matches at the top only (moby's semantics); the build files leave the context once read
  assert.deepEqual(files.split("\n").sort(), ["/ctx/app/key.secret", "/ctx/app/main.txt", "/ctx/logs/keep.log"]);
});

test("-f outside the context is sent under a generated name; COPY . does not see it", async (t) => {
  const outside = context(t, { "dev.Dockerfile": "FROM busybox\nCOPY . /ctx/\nCMD [\"ls\", \"-A\", \"/ctx\"]\n" });
  const dir = context(t, { "data.txt": "via-f\n" });
  const r = await berth(["build", "-f", path.join(outside, "dev.Dockerfile"), "-t", "dashf:1", dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /Step 2\/3 : COPY \. \/ctx\//);
  assert.equal(await ok(["run", "--rm", "dashf:1"]), "data.txt");

  // relative -f, taken from the current directory as docker does
  const rel = await d.berth(["build", "-q", "-f", "dev.Dockerfile", dir], { cwd: outside });
  assert.equal(rel.code, 0, rel.stderr);
  assert.equal(rel.stdout.trim(), await imageId("dashf:1"));

  // -f - : the Dockerfile from stdin, the context from the directory
  const s = await berth(["build", "-q", "-f", "-", dir], "FROM busybox\nCOPY data.txt /d.txt\n");
  assert.equal(s.code, 0, s.stderr);
  assert.equal(await ok(["run", "--rm", s.stdout.trim(), "cat", "/d.txt"]), "via-f");

  const missing = await berth(["build", "-f", path.join(outside, "nope"), dir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat .*nope: no such file or directory/);
});

test("`-`: a Dockerfile or a context tar on stdin", async (t) => {
  const s = await berth(["build", "-t", "stdin:1", "-"], "FROM busybox\nRUN echo from-stdin > /s.txt\n");
  assert.equal(s.code, 0, s.stderr + s.stdout);
  assert.match(s.stdout, /^Sending build context to Docker daemon/);
  assert.equal(await ok(["run", "--rm", "stdin:1", "cat", "/s.txt"]), "from-stdin");

  const dir = context(t, { "build.Dockerfile": "FROM busybox\nCOPY f.txt /f.txt\n", "f.txt": "from-tar\n" });
  const tar = execFileSync("tar", ["-C", dir, "-cf", "-", "."]);
  const x = await berth(["build", "-f", "build.Dockerfile", "-t", "stdin:2", "-"], tar);
  assert.equal(x.code, 0, x.stderr + x.stdout);
  assert.equal(await ok(["run", "--rm", "stdin:2", "cat", "/f.txt"]), "from-tar");

  const both = await berth(["build", "-f", "-", "-"], "FROM busybox\n");
  assert.equal(both.code, 1);
  assert.equal(both.stderr, "invalid argument: can't use stdin for both build context and dockerfile\n");
  const amb = await berth(["build", "-f", "x", "-"], "FROM busybox\n");
  assert.equal(amb.code, 1);
  assert.match(amb.stderr, /ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles/);
});

test("the same context built by berth and the docker CLI gives the same image config", async (t) => {
  const dir = context(t, {
    Dockerfile: [
      "ARG BASE=busybox",
      "FROM $BASE AS base",
      "RUN echo base > /base.txt",
      "FROM base",
      "ARG WHO",
      "ENV GREETING=hello-$WHO",
      "WORKDIR /srv",
      "COPY app/ ./app/",
      'LABEL from.file="yes"',
      "EXPOSE 8080",
      "USER nobody",
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["echo $GREETING"]',
      "",
    ].join("\n"),
    "app/a.txt": "a\n",
  });
  const args = ["--build-arg", "WHO=world", "--label", "from.cli=1", "--no-cache"];
  const b = await berth(["build", ...args, "-t", "same:berth", dir]);
  assert.equal(b.code, 0, b.stderr + b.stdout);
  const k = await dockerBuild([...args, "-t", "same:docker", dir]);
  assert.equal(k.code, 0, k.stderr + k.stdout);
  const cfg = async (ref: string): Promise<unknown> => JSON.parse(await ok(["image", "inspect", "-f", "{{json .Config}}", ref])) as unknown;
  const bc = await cfg("same:berth");
  assert.deepEqual(bc, await cfg("same:docker"));
  assert.deepEqual((bc as { Labels: unknown }).Labels, { "from.file": "yes", "from.cli": "1" });
  assert.equal(await ok(["run", "--rm", "same:berth"]), "hello-world");
  const stat = (ref: string): Promise<string> => ok(["run", "--rm", "--entrypoint", "stat", ref, "-c", "%n %s %a %u:%g %Y", "/srv/app/a.txt"]);
  assert.equal(await stat("same:berth"), await stat("same:docker"));

  // --target stops at the named stage
  const tg = await berth(["build", "--target", "base", "-q", dir]);
  assert.equal(tg.code, 0, tg.stderr);
  assert.equal(await ok(["run", "--rm", tg.stdout.trim(), "cat", "/base.txt"]), "base");
});

test("flag and context errors", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\n" });
  const badTag = await berth(["build", "-t", "Bad:Tag", dir]);
  assert.equal(badTag.code, 125);
  assert.match(badTag.stderr, /^invalid argument "Bad:Tag" for "-t, --tag" flag: /);
  const noDir = await berth(["build", path.join(dir, "missing")]);
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /^unable to prepare context: /);
  const noArg = await berth(["build"]);
  assert.equal(noArg.code, 1);
  assert.match(noArg.stderr, /'berth build' requires 1 argument/);
});

test("<Dockerfile>.dockerignore beside the Dockerfile wins over .dockerignore", async (t) => {
  const dir = context(t, {
    "app.Dockerfile": "FROM busybox\nCOPY . /ctx/\n",
    "app.Dockerfile.dockerignore": "secret.txt\napp.Dockerfile*\n",
    ".dockerignore": "public.txt\n",
    "secret.txt": "s\n",
    "public.txt": "p\n",
  });
  const r = await berth(["build", "-q", "-f", path.join(dir, "app.Dockerfile"), dir]);
  assert.equal(r.code, 0, r.stderr);
  const files = await ok(["run", "--rm", r.stdout.trim(), "find", "/ctx", "-type", "f"]);
  assert.deepEqual(files.split("\n").sort(), ["/ctx/.dockerignore", "/ctx/public.txt"]);
});

test("image debian: an up-to-date tag is left alone; a mirror that fails gives debootstrap's status (loopback only)", async (t) => {
  const spec = "suite=bookworm mirror=http://127.0.0.1:9/debian variant=minbase packages=python3";
  const tar = execFileSync("tar", ["-C", context(t, { "etc/debian_version": "12\n" }), "-cf", "-", "."]);
  const imp = await d.docker(["import", "--change", `LABEL org.berth.debian.spec="${spec}"`, "-", "fake-debian:bookworm"], { input: tar });
  assert.equal(imp.code, 0, imp.stderr);
  const args = ["image", "debian", "--suite", "bookworm", "--mirror", "http://127.0.0.1:9/debian", "-p", "python3", "-t", "fake-debian:bookworm"];
  const same = await berth(args);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.stdout, `fake-debian:bookworm is up to date (${spec}); use --force to make it again\n`);

  const other = await berth([...args.slice(0, -2), "-q", "-t", "fake-debian:other"]);
  assert.equal(other.code, 1, other.stdout + other.stderr);
  const haveDebootstrap = ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"].some((p) => existsSync(p));
  assert.match(other.stderr, haveDebootstrap ? /debootstrap failed with exit status \d+/ : /debootstrap not found: install it/);
  assert.notEqual((await d.docker(["image", "inspect", "fake-debian:other"])).code, 0);

  const noTag = await berth(["image", "debian"]);
  assert.equal(noTag.code, 125);
  assert.match(noTag.stderr, /a tag is required/);
});

test("builder prune drops the step cache", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nLABEL prune=me\n" });
  assert.equal((await berth(["build", "-q", dir])).code, 0);
  const p = await berth(["builder", "prune", "-f"]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /^Deleted build cache objects:\n(\S+\n)+\nTotal reclaimed space: \S+\n$/);
  const again = await berth(["builder", "prune", "-f"]);
  assert.equal(again.stdout, "Total reclaimed space: 0B\n");
  const r = await berth(["build", dir]);
  assert.doesNotMatch(r.stdout, /Using cache/);
});

test("examples/hello: build, create -it, start, logs show Hello, Docker!, stop, rm (berth and docker CLIs)", async (t) => {
  // A stand-in for the debootstrapped debian-python:bookworm (tests stay offline): busybox with a
  // `python3` that runs a one-line print() script.
  const shim = context(t, {
    Dockerfile: "FROM busybox\nCOPY python3 /usr/bin/python3\nRUN chmod 755 /usr/bin/python3\n",
    python3: '#!/bin/sh\nsed -n \'s/^print("\\(.*\\)")$/\\1/p\' "$1"\n',
  });
  const base = await berth(["build", "-q", "-t", "debian-python:bookworm", shim]);
  assert.equal(base.code, 0, base.stderr);
  const example = path.join(REPO_ROOT, "examples", "hello");
  for (const [cli, run] of [["berth", (a: string[]) => d.berth(a)], ["docker", (a: string[]) => d.docker(a)]] as const) {
    const b = cli === "berth" ? await berth(["build", "-t", "hello:v1", example]) : await dockerBuild(["-t", "hello:v1", example]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    assert.match(b.stdout, /Successfully tagged hello:v1\n/);
    const name = `hello_container_${cli}`;
    const steps: string[][] = [["create", "-it", "--name", name, "hello:v1"], ["start", name]];
    for (const s of steps) {
      const r = await run(s);
      assert.equal(r.code, 0, `${cli} ${s.join(" ")}: ${r.stderr}`);
    }
    let logs = "";
    for (let i = 0; i < 50 && !logs.includes("Hello, Docker!"); i++) {
      logs = (await run(["logs", name])).stdout;
      if (!logs.includes("Hello, Docker!")) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(logs, /^Hello, Docker!\r?\n$/);
    for (const s of [["stop", name], ["rm", name]]) {
      const r = await run(s);
      assert.equal(r.code, 0, `${cli} ${s.join(" ")}: ${r.stderr}`);
    }
  }
});
