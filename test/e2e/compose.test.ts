/**
 * Debian's docker-compose 1.29 (docker-py) against berthd: a project with a user network, a named volume,
 * a published port, a healthcheck and both kinds of depends_on condition; `run` resolving a service by
 * name; stop and start again (compose takes each stopped container off its network and puts it back with
 * its aliases); down -v removing the network and the volume. Inside the test tier's network namespace;
 * nothing is pulled (busybox is loaded from the fixture).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";
import { run, type RunResult } from "../helpers/run.js";

const COMPOSE = process.env["BERTH_TEST_COMPOSE"] ?? "/usr/bin/docker-compose";
const fx = mkdtempSync("/tmp/berth-compose-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
  });
}

test("docker-compose up, run, stop, start and down -v against berthd", async (t) => {
  const tag = Math.random().toString(36).slice(2, 7);
  const d: Berthd = await startBerthd(t, { args: ["--nft-table", `berth_cp_${tag}`, "--bridge-prefix", `cp${tag}`] });
  assert.equal((await d.docker(["load", "-q", "-i", busybox])).code, 0);
  const dir = mkdtempSync("/tmp/berth-compose-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  writeFileSync(
    path.join(dir, "docker-compose.yml"),
    `services:
  web:
    image: busybox
    command: httpd -f -p 8080 -h /www
    volumes: ["www:/www"]
    ports: ["127.0.0.1:${port}:8080"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/index.html"]
      interval: 1s
      retries: 10
    depends_on:
      init:
        condition: service_completed_successfully
  init:
    image: busybox
    command: sh -c "echo hello from the volume > /www/index.html"
    volumes: ["www:/www"]
  client:
    image: busybox
    command: wget -q -O- http://web:8080/index.html
    depends_on:
      web:
        condition: service_healthy
volumes:
  www: {}
`,
  );
  const project = `cp${tag}`;
  // `run` goes through the docker CLI (`docker start --attach`) unless COMPOSE_INTERACTIVE_NO_CLI is set:
  // then docker-py attaches itself (dockerpty), after the start
  const composeWith = async (extraEnv: NodeJS.ProcessEnv, args: string[]): Promise<RunResult> => {
    const r = await run(COMPOSE, ["-p", project, ...args], { env: { ...d.env, ...extraEnv }, cwd: dir, timeoutMs: 90_000 });
    assert.equal(r.code, 0, `docker-compose ${args.join(" ")}:\n${r.stderr}\n${r.stdout}\n${d.log().slice(-3000)}`);
    return r;
  };
  const compose = (...args: string[]): Promise<RunResult> => composeWith({}, args);
  const composePy = (...args: string[]): Promise<RunResult> => composeWith({ COMPOSE_INTERACTIVE_NO_CLI: "1" }, args);
  t.after(async () => {
    await run(COMPOSE, ["-p", project, "down", "-v", "-t", "0"], { env: d.env, cwd: dir, timeoutMs: 60_000 }).catch(() => undefined);
  });

  await compose("up", "-d");
  const ps = await d.docker(["ps", "-a", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.Label \"com.docker.compose.service\"}} {{.State}}"]);
  assert.deepEqual(ps.stdout.trim().split("\n").sort(), ["client exited", "init exited", "web running"], ps.stderr);
  const client = await d.docker(["logs", `${project}_client_1`]);
  assert.equal(client.stdout, "hello from the volume\n", "client ran after web was healthy, reached it by name");
  const health = await d.docker(["inspect", "-f", "{{.State.Health.Status}}", `${project}_web_1`]);
  assert.equal(health.stdout.trim(), "healthy");

  // the published port, from the host's loopback
  assert.equal(await httpGet(`http://127.0.0.1:${port}/index.html`), "hello from the volume\n");

  // a one-off container on the project's network resolves the service
  const oneOff = await compose("run", "--rm", "-T", "client", "wget", "-q", "-O-", "http://web:8080/index.html");
  assert.equal(oneOff.stdout, "hello from the volume\n");
  // docker-py's own attach (dockerpty) connects after the start. Output written after that reaches it, on
  // both streams. (Output written before it is lost in docker too: a late attach has no logs.)
  for (let i = 0; i < 2; i++) {
    const r = await composePy("run", "--rm", "-T", "client", "sh", "-c", `sleep 0.5; echo out ${i}; echo err ${i} >&2`);
    assert.equal(r.stdout, `out ${i}\n`);
    assert.match(r.stderr, new RegExp(`^err ${i}$`, "m"));
  }

  // stop and start again: compose disconnects and reconnects each stopped container before it starts it
  await compose("stop", "-t", "1");
  await compose("start");
  const web = await d.docker(["inspect", "-f", `{{.State.Running}} {{json (index .NetworkSettings.Networks "${project}_default").Aliases}}`, `${project}_web_1`]);
  assert.match(web.stdout, /^true \[.*"web".*\]$/m, web.stderr);
  const again = await composePy("run", "--rm", "-T", "client", "sh", "-c", "sleep 0.5; wget -q -O- http://web:8080/index.html");
  assert.equal(again.stdout, "hello from the volume\n");

  await compose("down", "-v", "-t", "1");
  const left = await d.docker(["ps", "-a", "-q", "--filter", `label=com.docker.compose.project=${project}`]);
  assert.equal(left.stdout, "");
  assert.doesNotMatch((await d.docker(["network", "ls", "--format", "{{.Name}}"])).stdout, new RegExp(`${project}_default`));
  assert.doesNotMatch((await d.docker(["volume", "ls", "--format", "{{.Name}}"])).stdout, new RegExp(`${project}_www`));
});
