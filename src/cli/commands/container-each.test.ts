import assert from "node:assert/strict";
import { test } from "node:test";
import type { CliContext } from "../context.js";
import { DaemonError } from "../../client/engine-client.js";
import type { EngineClient } from "../../client/engine-client.js";
import { forEachContainer } from "./container-each.js";
import { run as stopRun } from "./stop.js";
import { run as waitRun } from "./wait.js";

interface Call { method: string; path: string; query: unknown }

function fakeCtx(known: Record<string, unknown>): { ctx: CliContext; out: string[]; err: string[]; calls: Call[] } {
  const out: string[] = [];
  const err: string[] = [];
  const calls: Call[] = [];
  const client = {
    async json(method: string, path: string, opts?: { query?: unknown }) {
      calls.push({ method, path, query: opts?.query });
      const name = decodeURIComponent(path.split("/")[2] ?? "");
      if (!(name in known)) throw new DaemonError(`No such container: ${name}`, 404);
      return known[name];
    },
  } as unknown as EngineClient;
  const ctx = { client: async () => client, out: (s: string) => out.push(s), err: (s: string) => err.push(s) } as unknown as CliContext;
  return { ctx, out, err, calls };
}

test("prints each argument as given and reports failures on stderr with exit 1", async () => {
  const { ctx, out, err } = fakeCtx({ a: undefined, b: undefined });
  const code = await forEachContainer(ctx, ["a", "x", "b"], async (c, n) => {
    await c.json("POST", `/containers/${n}/stop`);
    return undefined;
  });
  assert.equal(code, 1);
  assert.deepEqual(out, ["a\n", "b\n"]);
  assert.deepEqual(err, ["Error response from daemon: No such container: x\n"]);
});

test("all succeed: exit 0, nothing on stderr", async () => {
  const { ctx, out, err } = fakeCtx({ a: undefined });
  assert.equal(await forEachContainer(ctx, ["a"], async () => undefined), 0);
  assert.deepEqual(out, ["a\n"]);
  assert.deepEqual(err, []);
});

test("stop passes -t and -s as query t and signal", async () => {
  const { ctx, calls } = fakeCtx({ c1: undefined });
  assert.equal(await stopRun(ctx, ["c1"], { time: 3, signal: "SIGINT" }), 0);
  assert.deepEqual(calls, [{ method: "POST", path: "/containers/c1/stop", query: { signal: "SIGINT", t: 3 } }]);
});

test("wait prints the exit codes", async () => {
  const { ctx, out } = fakeCtx({ c1: { StatusCode: 3 }, c2: { StatusCode: 0 } });
  assert.equal(await waitRun(ctx, ["c1", "c2"]), 0);
  assert.deepEqual(out, ["3\n", "0\n"]);
});
