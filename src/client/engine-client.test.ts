import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { spawn } from "node:child_process";
import { ConnectError, EngineClient } from "./engine-client.js";
import { useSyncUnixExchange } from "./wire.js";

/** A fake daemon speaking API `max` on a unix socket; records the paths asked for. */
async function fakeDaemon(t: { after(fn: () => void): void }, max: string): Promise<{ host: string; paths: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-client-"));
  const sock = path.join(dir, "d.sock");
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    const m = /^\/v([0-9.]+)\//.exec(req.url ?? "");
    if (req.url === "/_ping") {
      res.writeHead(200, { "Api-Version": max, "Content-Type": "text/plain" }).end("OK");
    } else if (m && Number((m[1] ?? "").split(".")[1]) > Number(max.split(".")[1])) {
      res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ message: `client version ${m[1]} is too new. Maximum supported API version is ${max}` }));
    } else {
      res.writeHead(200, { "Content-Type": "application/json", "Api-Version": max }).end(JSON.stringify({ ApiVersion: max }));
    }
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { host: `unix://${sock}`, paths };
}

test("the first request goes out at the newest API version without a /_ping; an older daemon gets negotiated with", async (t) => {
  const current = await fakeDaemon(t, "1.44");
  const c1 = new EngineClient(current.host);
  assert.deepEqual(await c1.get("/version"), { ApiVersion: "1.44" });
  await c1.get("/info");
  assert.deepEqual(current.paths, ["/v1.44/version", "/v1.44/info"]);
  assert.equal(await c1.apiVersion(), "1.44");

  const older = await fakeDaemon(t, "1.41");
  const c2 = new EngineClient(older.host);
  assert.deepEqual(await c2.get("/version"), { ApiVersion: "1.41" });
  await c2.get("/info");
  assert.deepEqual(older.paths, ["/v1.44/version", "/_ping", "/v1.41/version", "/v1.41/info"]);

  // a version given by the user is used as it is
  const pinned = await fakeDaemon(t, "1.44");
  await new EngineClient(pinned.host, { version: "1.43" }).get("/version");
  assert.deepEqual(pinned.paths, ["/v1.43/version"]);
});

test("the CLI's synchronous exchange over a unix socket (a daemon in another process): answers, and a missing daemon is a ConnectError", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-client-sync-"));
  const sock = path.join(dir, "d.sock");
  const server = `require("node:http").createServer((q, s) => { const body = JSON.stringify({ path: q.url }); s.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length, "Api-Version": "1.44" }); s.end(body); }).listen(${JSON.stringify(sock)}, () => process.stdout.write("up\\n"));`;
  const child = spawn(process.execPath, ["-e", server], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => {
    child.kill();
    useSyncUnixExchange(false);
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((r) => child.stdout.once("data", () => r()));
  useSyncUnixExchange(true);
  const c = new EngineClient(`unix://${sock}`);
  await c.probe();
  assert.deepEqual(await c.get("/version"), { path: "/v1.44/version" });
  assert.deepEqual(await c.json("POST", "/x", { body: "{}" }), { path: "/v1.44/x" });
  const gone = new EngineClient(`unix://${path.join(dir, "nobody.sock")}`);
  await assert.rejects(gone.probe(), ConnectError);
  await assert.rejects(gone.get("/version"), ConnectError);
});
