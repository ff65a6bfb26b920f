/**
 * Health checks through the docker CLI against berthd: --health-* options, status in inspect and ps,
 * the health filter, timeouts, and health_status events.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { sleep } from "../helpers/daemon.js";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

const ld = loadedDaemon();
const ok = ld.ok;

/** Polls inspect's health status until it equals `want` (bounded by ms). */
async function healthBecomes(name: string, want: string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  let last = "";
  while (Date.now() < end) {
    last = await ok(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", name]);
    if (last === want) return last;
    await sleep(150);
  }
  return last;
}

test("a passing check turns healthy; ps shows it and the health filter finds it; events report it", async () => {
  const events = spawn("docker", ["events", "--filter", "event=health_status", "--format", "{{.Action}} {{.Actor.Attributes.name}}"], { env: ld.d.env, stdio: ["ignore", "pipe", "pipe"] });
  let evs = "";
  events.stdout.on("data", (c: Buffer) => (evs += c.toString()));
  try {
    await sleep(300);
    await ok(["run", "-d", "--name", "good", "--health-cmd", "echo fine", "--health-interval", "200ms", "busybox", "sleep", "60"]);
    assert.equal(await ok(["inspect", "-f", "{{.State.Health.Status}}", "good"]), "starting");
    assert.equal(await healthBecomes("good", "healthy", 8000), "healthy");
    assert.match(await ok(["ps", "--format", "{{.Status}}", "--filter", "name=good"]), /^Up .* \(healthy\)$/);
    assert.equal(await ok(["ps", "-q", "--filter", "health=healthy"]), (await ok(["inspect", "-f", "{{.Id}}", "good"])).slice(0, 12));
    const log = JSON.parse(await ok(["inspect", "-f", "{{json .State.Health.Log}}", "good"])) as Array<{ ExitCode: number; Output: string }>;
    assert.ok(log.length >= 1 && log.length <= 5);
    assert.deepEqual([log[0]?.ExitCode, log[0]?.Output], [0, "fine\n"]);
    const end = Date.now() + 3000;
    while (!evs.includes("health_status: healthy good") && Date.now() < end) await sleep(100);
    assert.match(evs, /health_status: healthy good/);
  } finally {
    events.kill();
  }
});

test("a failing check turns unhealthy after --health-retries; a slow one times out", async () => {
  await ok(["run", "-d", "--name", "bad", "--health-cmd", "exit 3", "--health-interval", "200ms", "--health-retries", "2", "busybox", "sleep", "60"]);
  assert.equal(await healthBecomes("bad", "unhealthy", 8000), "unhealthy");
  assert.ok(Number(await ok(["inspect", "-f", "{{.State.Health.FailingStreak}}", "bad"])) >= 2);
  assert.match(await ok(["ps", "--format", "{{.Status}}", "--filter", "name=bad"]), /\(unhealthy\)$/);

  await ok(["run", "-d", "--name", "slow", "--health-cmd", "sleep 5", "--health-interval", "200ms", "--health-timeout", "300ms", "--health-retries", "1", "busybox", "sleep", "60"]);
  assert.equal(await healthBecomes("slow", "unhealthy", 8000), "unhealthy");
  const log = JSON.parse(await ok(["inspect", "-f", "{{json .State.Health.Log}}", "slow"])) as Array<{ ExitCode: number; Output: string }>;
  assert.equal(log[0]?.ExitCode, -1);
  assert.match(log[0]?.Output ?? "", /Health check exceeded timeout/);
});

test("no check: no Health in inspect; --no-healthcheck turns off the image's", async () => {
  await ok(["run", "-d", "--name", "plain", "busybox", "sleep", "60"]);
  assert.equal(await ok(["inspect", "-f", "{{if .State.Health}}has{{else}}none{{end}}", "plain"]), "none");
  assert.match(await ok(["ps", "-q", "--filter", "health=none"]), /\S/);
  await ok(["run", "-d", "--name", "off", "--no-healthcheck", "busybox", "sleep", "60"]);
  assert.equal(await ok(["inspect", "-f", "{{if .State.Health}}has{{else}}none{{end}}", "off"]), "none");
});
