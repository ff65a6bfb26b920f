/**
 * `docker build` on the docker CLI's legacy path (DOCKER_BUILDKIT=0) against berthd: step output,
 * RUN, metadata instructions, COPY with .dockerignore, the step cache, a failing RUN, multi-stage
 * COPY --from, --build-arg, -q, and a Dockerfile error naming its line.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";
import { contextDir } from "../helpers/context-dir.js";

const fx = mkdtempSync("/tmp/berth-build-fx-");
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

/** A context dir with the given files (path → content); removed after the test. */
const context = (t: { after(fn: () => void): void }, files: Record<string, string | Buffer>): string => contextDir(t, fx, files);

const legacy = { DOCKER_BUILDKIT: "0" };

function build(args: string[], dir: string) {
  return d.docker(["build", ...args, dir], { env: legacy, timeoutMs: 120_000 });
}

async function ok(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function noContainersLeft(): Promise<void> {
  assert.equal(await ok(["ps", "-a", "-q"]), "", "intermediate containers were left behind");
}

test("FROM + RUN + CMD: step lines, RUN output, tagged image that runs", async (t) => {
  const dir = context(t, { Dockerfile: 'FROM busybox\nRUN echo built-here > /built.txt && echo run-output\nCMD ["cat", "/built.txt"]\n' });
  const r = await build(["-t", "hello:v1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  t.diagnostic(r.stdout);
  assert.match(r.stdout, /Step 1\/3 : FROM busybox\n ---> [0-9a-f]{12}\n/);
  assert.match(r.stdout, /Step 2\/3 : RUN echo built-here > \/built.txt && echo run-output\n ---> Running in [0-9a-f]{12}\n/);
  assert.match(r.stdout, /\nrun-output\n/);
  assert.match(r.stdout, /Removing intermediate container [0-9a-f]{12}\n/);
  assert.match(r.stdout, /Step 3\/3 : CMD \["cat", "\/built.txt"\]\n/);
  assert.match(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged hello:v1\n/);
  await noContainersLeft();
  assert.equal(await ok(["run", "--rm", "hello:v1"]), "built-here");
  assert.equal(await ok(["image", "inspect", "-f", "{{json .Config.Cmd}}", "hello:v1"]), '["cat","/built.txt"]');
});

test("metadata instructions land in the image config", async (t) => {
  const dir = context(t, {
    Dockerfile: [
      "FROM busybox",
      "ENV APP_HOME=/srv/app MODE=prod",
      "WORKDIR $APP_HOME",
      "WORKDIR sub",
      "USER nobody",
      'LABEL org.example.name="my app" version=1.2',
      "EXPOSE 8080 53/udp",
      'ENTRYPOINT ["/bin/echo", "hi"]',
      "STOPSIGNAL SIGUSR1",
      "HEALTHCHECK --interval=5s --retries=2 CMD true",
      "VOLUME /data",
      'SHELL ["/bin/sh", "-ec"]',
      "",
    ].join("\n"),
  });
  const r = await build(["-t", "meta:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const cfg = JSON.parse(await ok(["image", "inspect", "-f", "{{json .Config}}", "meta:1"])) as Record<string, unknown>;
  assert.ok((cfg["Env"] as string[]).includes("APP_HOME=/srv/app"));
  assert.ok((cfg["Env"] as string[]).includes("MODE=prod"));
  assert.ok((cfg["Env"] as string[]).some((e) => e.startsWith("PATH=")));
  assert.equal(cfg["WorkingDir"], "/srv/app/sub");
  assert.equal(cfg["User"], "nobody");
  assert.deepEqual(cfg["Labels"], { "org.example.name": "my app", version: "1.2" });
  assert.deepEqual(cfg["ExposedPorts"], { "8080/tcp": {}, "53/udp": {} });
  assert.deepEqual(cfg["Entrypoint"], ["/bin/echo", "hi"]);
  assert.equal(cfg["Cmd"] ?? null, null, "ENTRYPOINT without CMD in the stage clears the base image's Cmd");
  assert.equal(cfg["StopSignal"], "SIGUSR1");
  assert.deepEqual(cfg["Healthcheck"], { Test: ["CMD-SHELL", "true"], Interval: 5_000_000_000, Retries: 2 });
  assert.deepEqual(cfg["Volumes"], { "/data": {} });
  assert.deepEqual(cfg["Shell"], ["/bin/sh", "-ec"]);
  const hist = await ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "meta:1"]);
  assert.match(hist, /#\(nop\) {2}ENV APP_HOME=\/srv\/app MODE=prod/);
});

test("COPY a file and a dir honours .dockerignore; a rebuild is all cache hits", async (t) => {
  const dir = context(t, {
    Dockerfile: "FROM busybox\nCOPY a.txt /a.txt\nCOPY dir /d/\nRUN cat /a.txt /d/b.txt > /both.txt\n",
    ".dockerignore": "dir/secret.txt\n",
    "a.txt": "file-a\n",
    "dir/b.txt": "file-b\n",
    "dir/secret.txt": "secret\n",
  });
  const r1 = await build(["-t", "copy:1"], dir);
  assert.equal(r1.code, 0, r1.stderr + r1.stdout);
  assert.equal(await ok(["run", "--rm", "copy:1", "cat", "/both.txt"]), "file-a\nfile-b");
  const ls = await ok(["run", "--rm", "copy:1", "ls", "/d"]);
  assert.equal(ls, "b.txt");
  const id1 = await ok(["image", "inspect", "-f", "{{.Id}}", "copy:1"]);

  const r2 = await build(["-t", "copy:2"], dir);
  assert.equal(r2.code, 0, r2.stderr + r2.stdout);
  assert.equal((r2.stdout.match(/ ---> Using cache\n/g) ?? []).length, 3, r2.stdout);
  assert.doesNotMatch(r2.stdout, /Running in/);
  assert.equal(await ok(["image", "inspect", "-f", "{{.Id}}", "copy:2"]), id1);

  // a changed file misses the cache from its COPY on
  writeFileSync(path.join(dir, "a.txt"), "file-a2\n");
  const r3 = await build(["-t", "copy:3"], dir);
  assert.equal(r3.code, 0, r3.stderr + r3.stdout);
  assert.equal((r3.stdout.match(/ ---> Using cache\n/g) ?? []).length, 0, r3.stdout);
  assert.equal(await ok(["run", "--rm", "copy:3", "cat", "/both.txt"]), "file-a2\nfile-b");

  // --no-cache runs everything again
  const r4 = await build(["--no-cache", "-t", "copy:4"], dir);
  assert.equal(r4.code, 0, r4.stderr + r4.stdout);
  assert.doesNotMatch(r4.stdout, /Using cache/);
  await noContainersLeft();
});

test("a COPY layer is its snapshot committed in place, and its stored tar holds the same files, /etc/hosts included", async (t) => {
  const dir = context(t, {
    Dockerfile: "FROM busybox\nCOPY a.txt /app/a.txt\nCOPY sub /app/sub/\nCOPY hosts /etc/hosts\n",
    "a.txt": "in-place\n",
    "sub/b.txt": "nested\n",
    hosts: "127.0.0.9 from-copy\n",
  });
  const before = (d.log().match(/layer committed in place/g) ?? []).length;
  const r = await build(["-t", "inplace:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal((d.log().match(/layer committed in place/g) ?? []).length - before, 3, "every COPY");
  assert.equal(await ok(["run", "--rm", "inplace:1", "cat", "/app/a.txt", "/app/sub/b.txt"]), "in-place\nnested");
  // a container's /etc/hosts is berthd's; the image's own copy is what COPY wrote (as BuildKit keeps it)

  // the image as saved: each layer tar holds exactly its step's files
  const out = path.join(fx, `inplace-${Date.now()}`);
  mkdirSync(out);
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const saved = await d.docker(["save", "-o", path.join(out, "img.tar"), "inplace:1"]);
  assert.equal(saved.code, 0, saved.stderr);
  execFileSync("tar", ["-xf", path.join(out, "img.tar"), "-C", out]);
  const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as { Layers: string[] }[];
  const layers = manifest[0]?.Layers ?? [];
  assert.equal(layers.length, 4, "busybox + three COPY layers");
  const list = (l: string): string[] => execFileSync("tar", ["-tf", path.join(out, l)]).toString().split("\n").filter((x) => x !== "").map((x) => x.replace(/\/$/, "")).sort();
  assert.deepEqual(list(layers[1] as string), ["app", "app/a.txt"]);
  assert.deepEqual(list(layers[2] as string), ["app", "app/sub", "app/sub/b.txt"]);
  assert.deepEqual(list(layers[3] as string), ["etc", "etc/hosts"]);
  const a = execFileSync("tar", ["-xOf", path.join(out, layers[1] as string), "app/a.txt"]).toString();
  assert.equal(a, "in-place\n");
  assert.equal(execFileSync("tar", ["-xOf", path.join(out, layers[3] as string), "etc/hosts"]).toString(), "127.0.0.9 from-copy\n");
});

test("COPY's hard links never let a RUN, a container or a later build change what another COPY copied", async (t) => {
  const dir = context(t, {
    Dockerfile: "FROM busybox\nCOPY a.txt /app/a.txt\nRUN echo changed >> /app/a.txt && chmod 600 /app/a.txt\n",
    "a.txt": "original\n",
  });
  writeFileSync(path.join(dir, "Dockerfile.plain"), "FROM busybox\nCOPY a.txt /x\n");
  // the berth CLI: the context comes from berthd's context store, whose files the COPY links
  for (const cli of ["berth", "docker"] as const) {
    const run = (args: string[]) => (cli === "berth" ? d.berth(args, { timeoutMs: 120_000 }) : d.docker(args, { env: legacy, timeoutMs: 120_000 }));
    const r1 = await run(["build", "--no-cache", "-t", `links-${cli}:1`, dir]);
    assert.equal(r1.code, 0, r1.stderr + r1.stdout);
    assert.equal(await ok(["run", "--rm", `links-${cli}:1`, "sh", "-c", "cat /app/a.txt; stat -c %a /app/a.txt"]), "original\nchanged\n600");
    // a container writing to the copied file changes only its own layer
    assert.equal(await ok(["run", "--rm", `links-${cli}:1`, "sh", "-c", "echo more >> /app/a.txt; chmod 777 /app/a.txt"]), "");
    const r2 = await run(["build", "--no-cache", "-f", path.join(dir, "Dockerfile.plain"), "-t", `links-${cli}:2`, dir]);
    assert.equal(r2.code, 0, r2.stderr + r2.stdout);
    assert.equal(await ok(["run", "--rm", `links-${cli}:2`, "sh", "-c", "cat /x; stat -c %a /x"]), "original\n644");
    assert.equal(await ok(["run", "--rm", `links-${cli}:1`, "cat", "/app/a.txt"]), "original\nchanged");
  }
  assert.equal(readFileSync(path.join(dir, "a.txt"), "utf8"), "original\n");
});

test("a failing RUN fails with docker's message and leaves no image and no container", async (t) => {
  const before = await ok(["images", "-a", "-q", "--no-trunc"]);
  const dir = context(t, { Dockerfile: "FROM busybox\nRUN echo about-to-fail && exit 3\n" });
  const r = await build(["-t", "broken:1"], dir);
  t.diagnostic(r.stdout + r.stderr);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /about-to-fail/);
  assert.match(r.stderr, /The command '\/bin\/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3/);
  const insp = await d.docker(["image", "inspect", "broken:1"]);
  assert.notEqual(insp.code, 0);
  assert.equal(await ok(["images", "-a", "-q", "--no-trunc"]), before);
  await noContainersLeft();
});

test("multi-stage: COPY --from=0, --target, and stages the target does not need are skipped", async (t) => {
  const dir = context(t, {
    Dockerfile: [
      "FROM busybox AS builder",
      "RUN echo artifact > /out.txt",
      "FROM busybox AS unused",
      "RUN echo never-runs && exit 1",
      "FROM busybox",
      "COPY --from=0 /out.txt /copied.txt",
      'CMD ["cat", "/copied.txt"]',
      "",
    ].join("\n"),
  });
  const r = await build(["-t", "multi:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout, /never-runs/);
  assert.equal(await ok(["run", "--rm", "multi:1"]), "artifact");

  const rt = await build(["--target", "builder", "-t", "multi:builder"], dir);
  assert.equal(rt.code, 0, rt.stderr + rt.stdout);
  assert.equal(await ok(["run", "--rm", "multi:builder", "cat", "/out.txt"]), "artifact");
  const copied = await d.docker(["run", "--rm", "multi:builder", "test", "-e", "/copied.txt"]);
  assert.notEqual(copied.code, 0);
});

test("--build-arg: ARG before FROM, defaults, per-stage scope, RUN env", async (t) => {
  const dir = context(t, {
    Dockerfile: [
      "ARG BASE=busybox",
      "FROM $BASE",
      "ARG GREETING=hello",
      "ARG WHO",
      "RUN echo \"$GREETING-$WHO\" > /greeting.txt",
      "RUN echo \"proxy=$HTTP_PROXY\" > /proxy.txt",
      "ENV FROM_ARG=$GREETING",
      "",
    ].join("\n"),
  });
  const r = await build(["--build-arg", "WHO=world", "-t", "args:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /Step 1\/7 : ARG BASE=busybox/);
  assert.equal(await ok(["run", "--rm", "args:1", "cat", "/greeting.txt"]), "hello-world");
  const r2 = await build(["--build-arg", "GREETING=hi", "--build-arg", "WHO=you", "--build-arg", "HTTP_PROXY=http://proxy.invalid:3128", "--build-arg", "NOBODY_USES=1", "-t", "args:2"], dir);
  assert.equal(r2.code, 0, r2.stderr + r2.stdout);
  assert.match(r2.stdout, /\[Warning\] One or more build-args \[NOBODY_USES\] were not consumed/);
  assert.equal(await ok(["run", "--rm", "args:2", "cat", "/proxy.txt"]), "proxy=http://proxy.invalid:3128");
  assert.equal(await ok(["run", "--rm", "args:2", "cat", "/greeting.txt"]), "hi-you");
  const env = await ok(["image", "inspect", "-f", "{{json .Config.Env}}", "args:2"]);
  assert.ok((JSON.parse(env) as string[]).includes("FROM_ARG=hi"), env);
  assert.ok(!(JSON.parse(env) as string[]).some((e) => e.startsWith("WHO=")), "build args must not persist in the image env");
  const hist = await ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "args:2"]);
  assert.match(hist, /\|2 GREETING=hi WHO=you \/bin\/sh -c echo/);
  assert.doesNotMatch(hist, /proxy\.invalid/, "predefined proxy args stay out of the history");
});

test("-q prints only the image id", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nRUN echo quiet-run-output\nLABEL q=1\n" });
  const r = await build(["-q", "-t", "quiet:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(r.stdout.trim(), await ok(["image", "inspect", "-f", "{{.Id}}", "quiet:1"]));
});

test("an unknown instruction fails naming the line; nothing is built", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nRUN true\nFOO bar\n" });
  const r = await build(["-t", "bad:1"], dir);
  assert.notEqual(r.code, 0);
  t.diagnostic(r.stderr);
  assert.match(r.stderr, /line 3/);
  assert.match(r.stderr, /unknown instruction: FOO/i);
  assert.notEqual((await d.docker(["image", "inspect", "bad:1"])).code, 0);
  await noContainersLeft();
});

test("a base image that is not local fails without contacting a registry", async (t) => {
  const dir = context(t, { Dockerfile: "FROM not-here/nothing:1\nRUN true\n" });
  const r = await build(["-t", "nobase:1"], dir);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /No such image: not-here\/nothing:1/);
});

test("POST /build/prune drops the step cache", async (t) => {
  const dir = context(t, { Dockerfile: "FROM busybox\nLABEL prune=me\n" });
  assert.equal((await build(["-t", "prune:1"], dir)).code, 0);
  const df = await ok(["system", "df", "--format", "{{.Type}} {{.TotalCount}}"]);
  const n = Number(/^Build Cache (\d+)$/m.exec(df)?.[1] ?? "0");
  assert.ok(n >= 1, df);
  const res = await d.api({ method: "POST", path: "/v1.41/build/prune" });
  assert.equal(res.status, 200, res.body.toString());
  const body = JSON.parse(res.body.toString()) as { CachesDeleted: string[]; SpaceReclaimed: number };
  assert.ok(body.CachesDeleted.length >= 1);
  const r = await build(["-t", "prune:2"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout, /Using cache/);
  const cli = await d.docker(["builder", "prune", "-f"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /Total reclaimed space: 0B/);
  assert.match(await ok(["system", "df", "--format", "{{.Type}} {{.TotalCount}}"]), /^Build Cache 0$/m);
});

test("FROM scratch + COPY, ADD extracting a local tar, WORKDIR made in the image, --label", async (t) => {
  const dir = context(t, { Dockerfile: "FROM scratch\nCOPY hello.txt /hello.txt\n", "hello.txt": "from-scratch\n" });
  const r = await build(["-t", "scratchy:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(await ok(["image", "inspect", "-f", "{{len .RootFS.Layers}}", "scratchy:1"]), "1");

  // a tar made with busybox inside a first stage, then ADDed (auto-extracted) from the context
  const tarDir = context(t, { "payload/inner.txt": "inner-content\n" });
  const mk = await d.docker(["run", "--rm", "-v", `${tarDir}:/w`, "busybox", "tar", "-C", "/w/payload", "-cf", "/w/payload.tar", "inner.txt"]);
  if (mk.code !== 0) {
    // bind mounts may not be available: make the tar on the host instead
    const { execFileSync } = await import("node:child_process");
    execFileSync("tar", ["-C", path.join(tarDir, "payload"), "-cf", path.join(tarDir, "payload.tar"), "inner.txt"]);
  }
  writeFileSync(path.join(tarDir, "Dockerfile"), "FROM busybox\nWORKDIR /made/here\nADD payload.tar /unpacked/\nCOPY payload/inner.txt rel/\n");
  const r2 = await build(["--label", "built.by=berth-test", "-t", "added:1"], tarDir);
  assert.equal(r2.code, 0, r2.stderr + r2.stdout);
  assert.match(r2.stdout, /Step 5\/5 : LABEL "built.by"="berth-test"/);
  assert.equal(await ok(["run", "--rm", "added:1", "cat", "/unpacked/inner.txt", "/made/here/rel/inner.txt"]), "inner-content\ninner-content");
  assert.equal(await ok(["image", "inspect", "-f", "{{index .Config.Labels \"built.by\"}}", "added:1"]), "berth-test");
  // the WORKDIR exists in the image itself (not only when a container starts)
  assert.equal(await ok(["run", "--rm", "--workdir", "/", "added:1", "ls", "-d", "/made/here"]), "/made/here");
});

test("ONBUILD triggers run in the downstream build; a missing COPY source names the file", async (t) => {
  const base = context(t, { Dockerfile: "FROM busybox\nONBUILD RUN echo triggered > /trigger.txt\n" });
  assert.equal((await build(["-t", "onbuild-base:1"], base)).code, 0);
  const child = context(t, { Dockerfile: "FROM onbuild-base:1\nCMD [\"cat\", \"/trigger.txt\"]\n" });
  const r = await build(["-t", "onbuild-child:1"], child);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /# Executing 1 build trigger/);
  assert.equal(await ok(["run", "--rm", "onbuild-child:1"]), "triggered");
  assert.equal(await ok(["image", "inspect", "-f", "{{json .Config.OnBuild}}", "onbuild-child:1"]), "null");

  const missing = context(t, { Dockerfile: "FROM busybox\nCOPY nope.txt /nope.txt\n" });
  const m = await build(["-t", "missing:1"], missing);
  assert.notEqual(m.code, 0);
  assert.match(m.stderr, /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope\.txt: file does not exist/);
  await noContainersLeft();
});

test("a build whose client goes away mid-RUN leaves no container; rmi of a built image works", async (t) => {
  const { spawn } = await import("node:child_process");
  const dir = context(t, { Dockerfile: "FROM busybox\nRUN echo sleeping-now && sleep 60\n" });
  const child = spawn("docker", ["build", "-t", "cancelled:1", dir], { env: { ...d.env, ...legacy }, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    child.kill("SIGKILL");
  });
  let seen = "";
  child.stdout.on("data", (c: Buffer) => (seen += c.toString("utf8")));
  const started = Date.now();
  const running = (): boolean => /^sleeping-now$/m.test(seen); // the RUN's own output, not its step line
  while (!running() && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
  assert.ok(running(), `the RUN did not start: ${seen}`);
  assert.notEqual(await ok(["ps", "-a", "-q"]), "", "the RUN's container should exist while it runs");
  child.kill("SIGKILL");
  let left = "x";
  for (let i = 0; i < 100 && left !== ""; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = await ok(["ps", "-a", "-q"]);
  }
  if (left !== "") t.diagnostic(d.log().split("\n").filter((l) => !l.includes("_ping") && !l.includes("containers/json")).slice(-30).join("\n"));
  assert.equal(left, "", "the intermediate container outlived the cancelled build");
  assert.notEqual((await d.docker(["image", "inspect", "cancelled:1"])).code, 0);

  const built = context(t, { Dockerfile: "FROM busybox\nRUN echo x > /x\nLABEL a=b\n" });
  assert.equal((await build(["-t", "removable:1"], built)).code, 0);
  const rmi = await d.docker(["rmi", "removable:1"]);
  assert.equal(rmi.code, 0, rmi.stderr);
  assert.match(rmi.stdout, /Untagged: removable:1/);
});

test("-f names another Dockerfile; `docker build -` takes a Dockerfile on stdin", async (t) => {
  const dir = context(t, { "build/dev.Dockerfile": "FROM busybox\nCOPY data.txt /data.txt\n", "data.txt": "via-f\n" });
  const r = await build(["-f", path.join(dir, "build/dev.Dockerfile"), "-t", "dashf:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(await ok(["run", "--rm", "dashf:1", "cat", "/data.txt"]), "via-f");

  const s = await d.docker(["build", "-t", "stdin:1", "-"], { env: legacy, input: "FROM busybox\nRUN echo from-stdin > /s.txt\n" });
  assert.equal(s.code, 0, s.stderr + s.stdout);
  assert.equal(await ok(["run", "--rm", "stdin:1", "cat", "/s.txt"]), "from-stdin");
});

test("COPY --chown (names from the image's /etc/passwd, or numeric) and --chmod; --iidfile", async (t) => {
  const dir = context(t, {
    Dockerfile: "FROM busybox\nCOPY --chown=nobody:nogroup a.txt /named.txt\nCOPY --chown=1234 --chmod=0600 a.txt /numeric.txt\n",
    "a.txt": "x\n",
  });
  const iid = path.join(dir, "..", `${path.basename(dir)}.iid`);
  t.after(() => rmSync(iid, { force: true }));
  const r = await build(["--iidfile", iid, "-t", "owned:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(await ok(["run", "--rm", "owned:1", "stat", "-c", "%u:%g %a", "/named.txt", "/numeric.txt"]), "65534:65534 644\n1234:1234 600");
  const { readFileSync } = await import("node:fs");
  assert.equal(readFileSync(iid, "utf8").trim(), await ok(["image", "inspect", "-f", "{{.Id}}", "owned:1"]));
});

test("independent stages run at the same time; their output still reads stage by stage", async (t) => {
  // Each stage records the kernel's uptime when its RUN starts and ends: the two intervals overlap only
  // when the stages ran side by side (a clock shared by all containers; no timing limit to flake on a busy host).
  const span = (name: string): string => `RUN cut -d' ' -f1 /proc/uptime > /${name}.start && sleep 2 && cut -d' ' -f1 /proc/uptime > /${name}.end`;
  const dir = context(t, {
    Dockerfile: [
      "FROM busybox AS one",
      span("one"),
      "FROM busybox AS two",
      span("two"),
      "FROM busybox",
      "COPY --from=one /one.start /one.end /",
      "COPY --from=two /two.start /two.end /",
      'CMD ["cat", "/one.start", "/one.end", "/two.start", "/two.end"]',
      "",
    ].join("\n"),
  });
  const r = await build(["-t", "parallel:1"], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const steps = [...r.stdout.matchAll(/^Step (\d+)\/8 : /gm)].map((m) => Number(m[1]));
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(r.stdout.indexOf("Step 2/8") < r.stdout.indexOf("Step 3/8 : FROM busybox AS two"));
  const [s1, e1, s2, e2] = (await ok(["run", "--rm", "parallel:1"])).split("\n").map(Number);
  assert.ok(s1 !== undefined && e1 !== undefined && s2 !== undefined && e2 !== undefined);
  assert.ok(s1 < e2 && s2 < e1, `stage runs did not overlap: one ${s1}-${e1}, two ${s2}-${e2}`);
});

test("a failing stage stops the stages running beside it; nothing is left behind", async (t) => {
  const dir = context(t, {
    Dockerfile: [
      "FROM busybox AS slow",
      "RUN sleep 30",
      "FROM busybox AS bad",
      "RUN sleep 0.5 && exit 5",
      "FROM busybox",
      "COPY --from=slow /bin/sh /a",
      "COPY --from=bad /bin/sh /b",
      "",
    ].join("\n"),
  });
  const t0 = Date.now();
  const r = await build(["-t", "stopped:1"], dir);
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.ok(Date.now() - t0 < 15_000, "the slow stage was not stopped");
  assert.match(r.stderr, /The command '\/bin\/sh -c sleep 0.5 && exit 5' returned a non-zero code: 5/);
  await noContainersLeft();
});
