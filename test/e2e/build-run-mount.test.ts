/**
 * RUN --mount in the classic builder against a real berthd (busybox fixture): a cache mount keeps its
 * files across builds (even --no-cache), stays out of the image, is counted by `system df` and
 * emptied by `builder prune`; bind mounts from the context and from a stage; tmpfs; a secret from
 * `berth build --secret` is readable during RUN and absent from the image and its history; a missing
 * required secret fails clearly; ssh and unknown options are refused; the docker CLI's legacy build
 * of a Dockerfile with cache/bind/tmpfs mounts works too.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";
import { contextDir } from "../helpers/context-dir.js";

const loaded = loadedDaemon();
const fx = mkdtempSync("/tmp/berth-run-mount-fx-");

after(() => {
  rmSync(fx, { recursive: true, force: true });
});

const context = (t: { after(fn: () => void): void }, files: Record<string, string | Buffer>): string => contextDir(t, fx, files);

const berth = (args: string[], env?: NodeJS.ProcessEnv) => loaded.d.berth(args, { timeoutMs: 120_000, ...(env ? { env: { ...loaded.d.env, ...env } } : {}) });

async function ok(args: string[]): Promise<string> {
  const r = await loaded.d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function build(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await berth(["build", ...args], env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r.stdout;
}

const cacheRoot = (): string => path.join(loaded.d.dataRoot, "builder", "cache-mounts");
const cacheDirs = (): string[] => (existsSync(cacheRoot()) ? readdirSync(cacheRoot()) : []);

test("cache mount: kept across builds (also --no-cache), not in the image; df counts it, builder prune empties it", async (t) => {
  const dir = context(t, {
    Dockerfile:
      "FROM busybox\n" +
      "RUN --mount=type=cache,target=/var/cache/berth-test,id=rm-cache,sharing=locked " +
      "cat /var/cache/berth-test/count 2>/dev/null || echo 0 > /var/cache/berth-test/count; " +
      "echo x >> /var/cache/berth-test/count; echo seen=$(wc -l < /var/cache/berth-test/count); head -c 4096 /dev/zero > /var/cache/berth-test/blob\n",
  });
  t.after(async () => void (await berth(["rmi", "-f", "rm:cache"])));
  const first = await build(["-t", "rm:cache", dir]);
  assert.match(first, /seen=2\n/);
  const second = await build(["--no-cache", "-t", "rm:cache", dir]);
  assert.match(second, /seen=3\n/);
  // neither the cache's files nor its mount point are in the image
  const ls = await ok(["run", "--rm", "rm:cache", "sh", "-c", "ls -d /var/cache/berth-test /var/cache 2>&1; true"]);
  assert.match(ls, /\/var\/cache\/berth-test: No such file or directory/);
  assert.doesNotMatch(ls, /^\/var\/cache\/berth-test$/m);
  const hist = await ok(["history", "--no-trunc", "rm:cache"]);
  assert.match(hist, /count/);

  // system df lists it as build cache of type exec.cachemount, with its size
  const df = JSON.parse((await loaded.d.api({ method: "GET", path: "/system/df" })).body.toString()) as { BuildCache: Array<{ Type: string; Size: number; Description: string }> };
  const entry = df.BuildCache.find((c) => c.Type === "exec.cachemount" && c.Description.includes("rm-cache"));
  assert.ok(entry, JSON.stringify(df.BuildCache));
  assert.ok(entry.Size >= 4096, `size ${entry.Size}`);
  assert.ok(cacheDirs().length > 0);
  const dockerDf = await ok(["system", "df"]);
  assert.match(dockerDf, /^Build Cache\s+\d+\s+0\s+[1-9][\d.]*k?B\s/m);

  const pr = await berth(["builder", "prune", "-f"]);
  assert.equal(pr.code, 0, pr.stderr);
  assert.deepEqual(cacheDirs(), []);
  const third = await build(["--no-cache", "-t", "rm:cache", dir]);
  assert.match(third, /seen=2\n/);
});

test("cache mount with uid/gid/mode on a new dir; ro cache cannot be written; seeded from an image", async (t) => {
  const dir = context(t, {
    Dockerfile:
      "FROM busybox\n" +
      "RUN --mount=type=cache,target=/c1,id=rm-owner,uid=123,gid=45,mode=0750 stat -c 'owner=%u:%g mode=%a' /c1\n" +
      "RUN --mount=type=cache,target=/c2,id=rm-ro,ro sh -c 'touch /c2/x 2>/dev/null && echo wrote || echo ro-ok'\n" +
      "RUN --mount=type=cache,target=/c3,id=rm-seed,from=busybox,source=/etc sh -c 'test -f /c3/passwd && echo seeded-ok'\n",
  });
  const out = await build(["--no-cache", dir]);
  assert.match(out, /owner=123:45 mode=750\n/);
  assert.match(out, /ro-ok\n/);
  assert.match(out, /seeded-ok\n/);
});

test("bind mounts: from the context (read-only; rw writes dropped) and from a stage; tmpfs", async (t) => {
  const dir = context(t, {
    "src/hello.txt": "hello-from-context\n",
    Dockerfile:
      "FROM busybox AS tools\n" +
      "RUN mkdir -p /out && echo from-stage > /out/tool.txt\n" +
      "FROM busybox\n" +
      "COPY --from=tools /out/tool.txt /copied.txt\n" +
      "RUN --mount=type=bind,source=src,target=/mnt/ctx cat /mnt/ctx/hello.txt && (touch /mnt/ctx/new 2>/dev/null && echo ctx-writable || echo ctx-readonly)\n" +
      "RUN --mount=type=bind,source=src,target=/mnt/rw,rw sh -c 'echo changed > /mnt/rw/hello.txt && cat /mnt/rw/hello.txt'\n" +
      "RUN --mount=type=bind,from=tools,source=/out,target=/mnt/tools cat /mnt/tools/tool.txt\n" +
      "RUN --mount=type=tmpfs,target=/scratch,size=1m sh -c 'grep \" /scratch \" /proc/mounts | cut -d\" \" -f3; echo t > /scratch/f'\n",
  });
  t.after(async () => void (await berth(["rmi", "-f", "rm:bind"])));
  const out = await build(["--no-cache", "-t", "rm:bind", dir]);
  assert.match(out, /hello-from-context\nctx-readonly\n/);
  assert.match(out, /\nchanged\n/);
  assert.match(out, /\nfrom-stage\n/);
  assert.match(out, /\ntmpfs\n/);
  const ls = await ok(["run", "--rm", "rm:bind", "sh", "-c", "ls /mnt /scratch 2>&1; true"]);
  assert.match(ls, /\/mnt: No such file or directory/);
  assert.match(ls, /\/scratch: No such file or directory/);
  // the rw bind's write went to a copy: the context is unchanged
  assert.equal((await import("node:fs")).readFileSync(path.join(dir, "src", "hello.txt"), "utf8"), "hello-from-context\n");
  // a source outside the context (through a symlink) stays inside it
  const esc = context(t, { Dockerfile: "FROM busybox\nRUN --mount=type=bind,source=../../../etc,target=/x ls /x/passwd\n" });
  const r = await berth(["build", "--no-cache", esc]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /not found/);
});

test("the step's cache key follows a context bind source's content, not a cache mount's", async (t) => {
  const dir = context(t, {
    "in/v.txt": "one\n",
    Dockerfile: "FROM busybox\nRUN --mount=type=bind,source=in,target=/in --mount=type=cache,target=/c,id=rm-key cat /in/v.txt && date >> /c/log\n",
  });
  const a = await build([dir]);
  assert.match(a, /\none\n/);
  const b = await build([dir]);
  assert.match(b, / ---> Using cache\n/);
  writeFileSync(path.join(dir, "in", "v.txt"), "two\n");
  const c = await build([dir]);
  assert.doesNotMatch(c, /Using cache/);
  assert.match(c, /\ntwo\n/);
});

test("API clients still cannot bind the builder's cache-mount dirs", async () => {
  mkdirSync(cacheRoot(), { recursive: true });
  const r = await loaded.d.docker(["run", "--rm", "-v", `${cacheRoot()}:/x`, "busybox", "ls", "/x"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /data root/);
});

test("bind from a stage that only RUN --mount uses", async (t) => {
  const dir = context(t, {
    Dockerfile: "FROM busybox AS tools\nRUN echo only-mounted > /t.txt\nFROM busybox\nRUN --mount=type=bind,from=tools,target=/tools cat /tools/t.txt\n",
  });
  const out = await build(["--no-cache", dir]);
  assert.match(out, /\nonly-mounted\n/);
});

test("secret: readable during RUN, absent from the image, its history and the output; required missing fails clearly", async (t) => {
  const secretFile = path.join(fx, "token.txt");
  writeFileSync(secretFile, "s3cr3t-value-123");
  t.after(() => rmSync(secretFile, { force: true }));
  const dir = context(t, {
    Dockerfile:
      "FROM busybox\n" +
      "RUN --mount=type=secret,id=token sh -c 'md5sum /run/secrets/token | cut -c1-32; cat /run/secrets/token > /leak-check.txt; wc -c /leak-check.txt; rm /leak-check.txt'\n" +
      "RUN --mount=type=secret,id=envtok,target=/etc/tok,mode=0444,uid=7 stat -c 'tok=%u %a' /etc/tok\n" +
      "RUN --mount=type=secret,id=absent sh -c 'ls /run/secrets/absent 2>/dev/null || echo absent-not-mounted'\n",
  });
  t.after(async () => void (await berth(["rmi", "-f", "rm:secret"])));
  const out = await build(["--no-cache", "--secret", `id=token,src=${secretFile}`, "--secret", "id=envtok,env=RM_TEST_TOKEN", "-t", "rm:secret", dir], { RM_TEST_TOKEN: "envsecret" });
  assert.match(out, new RegExp(`\n${createHash("md5").update("s3cr3t-value-123").digest("hex")}\n16 /leak-check.txt\n`));
  assert.match(out, /tok=7 444\n/);
  assert.match(out, /absent-not-mounted\n/);
  assert.doesNotMatch(out, /s3cr3t-value-123|envsecret/);
  const ls = await ok(["run", "--rm", "rm:secret", "sh", "-c", "ls /run/secrets /etc/tok 2>&1; true"]);
  assert.match(ls, /\/run\/secrets: No such file or directory/);
  assert.match(ls, /\/etc\/tok: No such file or directory/);
  const saved = path.join(fx, "secret-image.tar");
  t.after(() => rmSync(saved, { force: true }));
  await ok(["save", "-o", saved, "rm:secret"]);
  assert.ok(!(await import("node:fs")).readFileSync(saved).includes(Buffer.from("s3cr3t-value-123")));
  const hist = await ok(["history", "--no-trunc", "rm:secret"]);
  assert.doesNotMatch(hist, /s3cr3t|envsecret/);
  const inspect = await ok(["image", "inspect", "rm:secret"]);
  assert.doesNotMatch(inspect, /s3cr3t|envsecret/);

  const req = context(t, { Dockerfile: "FROM busybox\nRUN --mount=type=secret,id=needed,required echo never\n" });
  const r = await berth(["build", "--no-cache", req]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /secret "needed" is required/);
  assert.doesNotMatch(r.stdout, /\nnever\n/);
});

test("ssh and unknown options are refused with the line", async (t) => {
  const ssh = context(t, { Dockerfile: "FROM busybox\nRUN --mount=type=ssh echo hi\n" });
  const r1 = await berth(["build", ssh]);
  assert.notEqual(r1.code, 0);
  assert.match(r1.stderr + r1.stdout, /line 2: RUN --mount=type=ssh is not supported/);
  const bad = context(t, { Dockerfile: "FROM busybox\nRUN --mount=type=cache,target=/x,colour=blue echo hi\n" });
  const r2 = await berth(["build", bad]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr + r2.stdout, /line 2: .*unexpected key 'colour'/);
});

test("docker CLI (DOCKER_BUILDKIT=0) builds a Dockerfile with cache, bind and tmpfs mounts", async (t) => {
  const dir = context(t, {
    "data/in.txt": "docker-bind\n",
    Dockerfile:
      "FROM busybox\n" +
      "RUN --mount=type=cache,target=/cache,id=rm-docker echo d >> /cache/n && wc -l < /cache/n\n" +
      "RUN --mount=type=bind,source=data,target=/data --mount=type=tmpfs,target=/t cat /data/in.txt && touch /t/x\n",
  });
  t.after(async () => void (await berth(["rmi", "-f", "rm:docker"])));
  const r = await loaded.d.docker(["build", "-t", "rm:docker", dir], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /docker-bind\n/);
  const ls = await ok(["run", "--rm", "rm:docker", "sh", "-c", "ls /cache /data /t 2>&1; true"]);
  assert.match(ls, /\/cache: No such file or directory/);
  assert.match(ls, /\/data: No such file or directory/);
});

test("cache mounts survive a daemon restart", async (t) => {
  const dir = context(t, {
    Dockerfile: "FROM busybox\nRUN --mount=type=cache,target=/c,id=rm-restart echo r >> /c/n && echo restart-count=$(wc -l < /c/n)\n",
  });
  assert.match(await build(["--no-cache", dir]), /restart-count=1\n/);
  await loaded.d.restart();
  assert.match(await build(["--no-cache", dir]), /restart-count=2\n/);
});
