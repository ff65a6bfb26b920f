import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { exchange, parseResponse, WireConnectError } from "./wire.js";

test("parseResponse: content-length, chunked, repeated headers", () => {
  const cl = parseResponse(Buffer.from("HTTP/1.1 200 OK\r\nApi-Version: 1.44\r\nContent-Length: 2\r\n\r\nOKextra"));
  assert.equal(cl.status, 200);
  assert.equal(cl.headers["api-version"], "1.44");
  assert.equal(cl.body.toString(), "OK");
  const ch = parseResponse(Buffer.from("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nX: a\r\nX: b\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
  assert.equal(ch.status, 404);
  assert.equal(ch.headers["x"], "a, b");
  assert.equal(ch.body.toString(), "hello world");
  assert.throws(() => parseResponse(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")), /truncated/);
  assert.throws(() => parseResponse(Buffer.alloc(0)), /without answering/);
  assert.throws(() => parseResponse(Buffer.from("garbage\r\n\r\n")), /malformed/);
});

test("exchange against node:http over a unix socket: body, JSON, streamed answers", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-wire-"));
  const sock = path.join(dir, "s.sock");
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/stream") {
        res.write("part1,");
        setTimeout(() => res.end("part2"), 20);
        return;
      }
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ method: req.method, url: req.url, body, ct: req.headers["content-type"] ?? null }));
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const r = await exchange({ socketPath: sock }, "POST", "/x?a=1", { "Content-Type": "application/json" }, '{"k":1}');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body.toString()), { method: "POST", url: "/x?a=1", body: '{"k":1}', ct: "application/json" });
  const s = await exchange({ socketPath: sock }, "GET", "/stream", {});
  assert.equal(s.body.toString(), "part1,part2");
  await assert.rejects(exchange({ socketPath: path.join(dir, "nope.sock") }, "GET", "/", {}), (e: unknown) => e instanceof WireConnectError && e.code === "ENOENT");
});
