import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hijack } from "./hijack.js";
import { DaemonError } from "./engine-client.js";

async function withServer(t: { after: (fn: () => void) => void }, onConn: (s: Socket) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "hijack-"));
  const path = join(dir, "s.sock");
  const srv = createServer(onConn);
  await new Promise<void>((r) => srv.listen(path, r));
  t.after(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}

test("hijack resolves on 101 and gives a duplex socket", async (t) => {
  const path = await withServer(t, (s) => {
    let got = "";
    s.on("data", (c: Buffer) => {
      got += c.toString();
      if (got.includes("\r\n\r\n") && got.includes("Upgrade: tcp")) {
        got = "";
        s.removeAllListeners("data");
        s.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nfirst");
        s.on("data", (d: Buffer) => s.write(d.toString().toUpperCase()));
        s.on("end", () => s.end());
      }
    });
  });
  const r = await hijack({ socketPath: path }, "POST", "/v1.44/containers/x/attach?stream=1", undefined);
  assert.equal(r.contentType, "application/vnd.docker.raw-stream");
  assert.equal(r.head.toString(), "first");
  const chunks: Buffer[] = [];
  r.socket.on("data", (c: Buffer) => chunks.push(c));
  r.socket.resume();
  r.socket.end("abc");
  await new Promise((res) => r.socket.on("close", res));
  assert.equal(Buffer.concat(chunks).toString(), "ABC");
});

test("hijack rejects with the daemon's message on an error status", async (t) => {
  const path = await withServer(t, (s) => {
    s.once("data", () => {
      const body = JSON.stringify({ message: "No such container: x" });
      s.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  });
  await assert.rejects(hijack({ socketPath: path }, "POST", "/containers/x/attach"), (e: unknown) => {
    assert.ok(e instanceof DaemonError);
    assert.equal(e.statusCode, 404);
    assert.equal(e.message, "No such container: x");
    return true;
  });
});
