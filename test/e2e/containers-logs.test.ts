/** `logs` formats through the docker CLI against berthd: fixed-width timestamps and --details attributes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

const ld = loadedDaemon();

async function ok(args: string[]): Promise<{ out: string; err: string }> {
  const r = await ld.d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}

test("logs -t has nine fraction digits; --details shows the log-opt labels and env before each line", async () => {
  await ok(["run", "--name", "l1", "--label", "a=1", "--log-opt", "labels=a", "-e", "E=x", "--log-opt", "env=E", "busybox", "sh", "-c", "echo one; echo two >&2"]);
  const t = await ok(["logs", "-t", "l1"]);
  assert.match(t.out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n$/);
  assert.match(t.err, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z two\n$/);
  const det = await ok(["logs", "--details", "l1"]);
  assert.equal(det.out, "E=x,a=1 one\n");
  assert.equal(det.err, "E=x,a=1 two\n");
  assert.match((await ok(["logs", "--details", "-t", "l1"])).out, /^\S+Z E=x,a=1 one\n$/);
  await ok(["run", "--name", "l2", "busybox", "echo", "hi"]);
  assert.equal((await ok(["logs", "--details", "l2"])).out, " hi\n");
});
