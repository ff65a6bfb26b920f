import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import type { CliContext } from "../context.js";
import { EngineClient } from "../../client/engine-client.js";
import { EscapeProxy, detachKeyBytes } from "./detach-keys.js";
import { execConfig, run } from "./exec.js";
import { parseEnvFileText, readKVEnvStrings, validateEnv } from "./exec-env.js";

test("execConfig mirrors docker's parseExec", () => {
  assert.deepEqual(execConfig(["sh", "-c", "x"], { interactive: true, tty: true, user: "1:2", workdir: "/w", privileged: true }, ["A=1"]), {
    User: "1:2", Privileged: true, Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, DetachKeys: "", Env: ["A=1"], WorkingDir: "/w", Cmd: ["sh", "-c", "x"],
  });
  const d = execConfig(["true"], { detach: true, interactive: true }, []);
  assert.equal(d.AttachStdin, false);
  assert.equal(d.AttachStdout, false);
  assert.equal(d.AttachStderr, false);
});

test("env: -e pass-through and env files", () => {
  const look = (k: string): string | undefined => ({ HOME: "/root" })[k];
  assert.equal(validateEnv("A=1", look), "A=1");
  assert.equal(validateEnv("HOME", look), "HOME=/root");
  assert.equal(validateEnv("NOPE", look), "NOPE");
  assert.throws(() => validateEnv("=x", look), { message: "invalid environment variable: =x" });
  assert.deepEqual(parseEnvFileText("\uFEFF# c\n\n  A=1 2\nHOME\nNOPE\nB=\n", look), ["A=1 2", "HOME=/root", "B="]);
  assert.throws(() => parseEnvFileText("A B=1\n", look), { message: "poorly formatted environment: variable 'A B' contains whitespaces" });
  assert.throws(() => parseEnvFileText("=1\n", look), { message: "poorly formatted environment: no variable name on line '=1'" });
  assert.throws(() => readKVEnvStrings(["/nonexistent/env"], []), { message: "open /nonexistent/env: no such file or directory" });
});

test("env files come before -e values", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "exec-env-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "e"), "A=file\n");
  assert.deepEqual(readKVEnvStrings([join(dir, "e")], ["A=flag"]), ["A=file", "A=flag"]);
});

test("detach keys and the escape proxy", () => {
  assert.deepEqual(detachKeyBytes("ctrl-p,ctrl-q"), [16, 17]);
  assert.deepEqual(detachKeyBytes("a,ctrl-@,ctrl-_"), [97, 0, 31]);
  assert.throws(() => detachKeyBytes("ctrl-1"), { message: "Unknown character: 'ctrl-1'" });
  const p = new EscapeProxy([16, 17]);
  assert.deepEqual(p.feed(Buffer.from([1, 16])), { forward: Buffer.from([1]), detached: false });
  assert.deepEqual(p.feed(Buffer.from([2])), { forward: Buffer.from([16, 2]), detached: false });
  assert.deepEqual(p.feed(Buffer.from([16, 17, 5])), { forward: Buffer.from([]), detached: true });
});

function frame(stream: number, text: string): Buffer {
  const b = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(b.length, 4);
  return Buffer.concat([h, b]);
}

interface Fake {
  path: string;
  calls: string[];
  bodies: unknown[];
}

/** A fake daemon for exec: container inspect, exec create, hijacked start (echoes stdin), exec inspect. */
async function fakeDaemon(t: { after: (fn: () => void) => void }, exitCode: number, missing = false): Promise<Fake> {
  const dir = mkdtempSync(join(tmpdir(), "exec-fake-"));
  const path = join(dir, "d.sock");
  const fake: Fake = { path, calls: [], bodies: [] };
  const json = (res: ServerResponse, code: number, v: unknown): void => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(v));
  };
  const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      fake.calls.push(`${req.method} ${req.url}`);
      if (body !== "") fake.bodies.push(JSON.parse(body));
      const url = req.url ?? "";
      if (url === "/_ping") return json(res, 200, "OK");
      if (url.endsWith("/containers/c1/json")) return missing ? json(res, 404, { message: "No such container: c1" }) : json(res, 200, { Id: "c1" });
      if (url.endsWith("/containers/c1/exec")) return json(res, 201, { Id: "e1" });
      if (url.endsWith("/exec/e1/json")) return json(res, 200, { ID: "e1", Running: false, ExitCode: exitCode });
      if (url.endsWith("/exec/e1/start")) return json(res, 200, null);
      json(res, 404, { message: "page not found" });
    });
  });
  srv.on("upgrade", (req: IncomingMessage, sock: Socket, head: Buffer) => {
    fake.calls.push(`UPGRADE ${req.method} ${req.url}`);
    let buf = head.toString();
    const len = Number(req.headers["content-length"] ?? 0);
    const start = (): void => {
      fake.bodies.push(JSON.parse(buf.slice(0, len)));
      sock.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
      sock.write(frame(1, "out\n"));
      sock.write(frame(2, "err\n"));
      let input = buf.slice(len);
      sock.on("data", (c: Buffer) => (input += c.toString()));
      sock.on("end", () => {
        sock.end(frame(1, `stdin:${input}`));
      });
    };
    if (buf.length >= len) start();
    else
      sock.once("data", (c: Buffer) => {
        buf += c.toString();
        start();
      });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  t.after(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return fake;
}

function fakeCtx(path: string, stdinText: string): { ctx: CliContext; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const stdout = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
  const stderr = new Writable({ write: (c: Buffer, _e, cb) => ((err += c.toString()), cb()) });
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const client = new EngineClient(`unix://${path}`, { version: "1.44" });
  const ctx = {
    globals: { host: `unix://${path}`, logLevel: "info", debug: false, config: undefined },
    stdout, stderr, stdin, prog: "berth", commandPath: "exec",
    client: async () => client,
    out: (s: string) => stdout.write(s),
    err: (s: string) => stderr.write(s),
  } as unknown as CliContext;
  return { ctx, out: () => out, err: () => err };
}

test("exec -i pumps stdin, demuxes output and exits with the exec's ExitCode", async (t) => {
  const fake = await fakeDaemon(t, 3);
  const { ctx, out, err } = fakeCtx(fake.path, "hello");
  const code = await run(ctx, ["c1", "cat"], { interactive: true, env: ["A=1"], "env-file": [] });
  assert.equal(code, 3);
  assert.equal(out(), "out\nstdin:hello");
  assert.equal(err(), "err\n");
  assert.deepEqual(fake.calls, ["GET /v1.44/containers/c1/json", "POST /v1.44/containers/c1/exec", "UPGRADE POST /v1.44/exec/e1/start", "GET /v1.44/exec/e1/json"]);
  const create = fake.bodies[0] as Record<string, unknown>;
  assert.deepEqual(create.Cmd, ["cat"]);
  assert.deepEqual(create.Env, ["A=1"]);
  assert.equal(create.AttachStdin, true);
  assert.deepEqual(fake.bodies[1], { Detach: false, Tty: false });
});

test("exec -d starts detached and returns 0 without reading the exit code", async (t) => {
  const fake = await fakeDaemon(t, 7);
  const { ctx, out } = fakeCtx(fake.path, "");
  assert.equal(await run(ctx, ["c1", "sleep", "1"], { detach: true }), 0);
  assert.equal(out(), "");
  assert.deepEqual(fake.calls.slice(-1), ["POST /v1.44/exec/e1/start"]);
  assert.deepEqual(fake.bodies[1], { Detach: true, Tty: false });
});

test("exec on a missing container fails before creating anything", async (t) => {
  const fake = await fakeDaemon(t, 0, true);
  const { ctx } = fakeCtx(fake.path, "");
  await assert.rejects(run(ctx, ["c1", "true"], {}), { name: "DaemonError", message: "No such container: c1" });
  assert.deepEqual(fake.calls, ["GET /v1.44/containers/c1/json"]);
});

test("exec -it without a terminal on stdin is refused", async (t) => {
  const fake = await fakeDaemon(t, 0);
  const { ctx } = fakeCtx(fake.path, "");
  await assert.rejects(run(ctx, ["c1", "sh"], { interactive: true, tty: true }), { message: "the input device is not a TTY" });
});

test("exec -e with an empty name is a flag error (125)", async (t) => {
  const fake = await fakeDaemon(t, 0);
  const { ctx, err } = fakeCtx(fake.path, "");
  assert.equal(await run(ctx, ["c1", "sh"], { env: ["=x"] }), 125);
  assert.equal(err(), `invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x\n\nUsage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nRun 'berth exec --help' for more information\n`);
});
