/**
 * ADD <http URL> against a real berthd: the daemon downloads from a server this test runs on
 * 127.0.0.1 (inside the suite's own network namespace); files get mode 0600 and the server's
 * Last-Modified time, archives are not extracted, redirects are followed, `--checksum` is checked,
 * and a failing download names the URL and status. Both CLIs.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

const loaded = loadedDaemon();
const HELLO = "hello from a URL\n";
const TARGZ = gzipSync(Buffer.alloc(1024)); // not a real tar: ADD must not try to unpack a download anyway
let server: Server;
let base = "";
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === "/files/hello.txt") {
      res.writeHead(200, { "Content-Type": "text/plain", "Last-Modified": "Tue, 02 Jan 2024 03:04:05 GMT" });
      res.end(HELLO);
    } else if (req.url === "/files/a.tar.gz") {
      res.writeHead(200);
      res.end(TARGZ);
    } else if (req.url === "/redirect") {
      res.writeHead(302, { Location: "/files/hello.txt" });
      res.end();
    } else {
      res.writeHead(404);
      res.end("nope");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function ctx(t: { after(fn: () => void): void }, dockerfile: string): string {
  const dir = mkdtempSync("/tmp/berth-add-url-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  return dir;
}

const sha = `sha256:${createHash("sha256").update(HELLO).digest("hex")}`;

test("ADD of http URLs: downloaded by the daemon, mode 0600, Last-Modified kept, archives left packed, redirects followed", async (t) => {
  const dir = ctx(
    t,
    `FROM busybox
ADD ${base}/files/hello.txt /data/
ADD --checksum=${sha} ${base}/files/hello.txt /data/named.txt
ADD ${base}/redirect /data/r.txt
ADD ${base}/files/a.tar.gz /data/
`,
  );
  for (const [cli, run] of [
    ["berth", (a: string[]) => loaded.d.berth(a, { timeoutMs: 120_000 })],
    ["docker", (a: string[]) => loaded.d.docker(a, { timeoutMs: 120_000, env: { ...loaded.d.env, DOCKER_BUILDKIT: "0" } })],
  ] as const) {
    const tag = `addurl-${cli}:1`;
    const r = await run(["build", "-q", "-t", tag, dir]);
    assert.equal(r.code, 0, `${cli}: ${r.stderr}${r.stdout}`);
    const out = await loaded.ok(["run", "--rm", tag, "sh", "-c", "cat /data/hello.txt /data/named.txt /data/r.txt; stat -c '%a %Y %n' /data/hello.txt; stat -c '%F %n' /data/a.tar.gz"]);
    assert.equal(out, `${HELLO}${HELLO}${HELLO}600 1704164645 /data/hello.txt\nregular file /data/a.tar.gz`, cli);
  }
});

test("ADD URL errors: a checksum mismatch, a 404, --checksum on a local file", async (t) => {
  const before = hits;
  const bad = ctx(t, `FROM busybox\nADD --checksum=sha256:${"0".repeat(64)} ${base}/files/hello.txt /x\n`);
  const r1 = await loaded.d.berth(["build", bad], { timeoutMs: 60_000 });
  assert.notEqual(r1.code, 0);
  assert.match(r1.stderr + r1.stdout, new RegExp(`checksum mismatch: expected sha256:0{64}, got ${sha}`));
  assert.ok(hits > before, "the daemon fetched from the test's server");
  const missing = ctx(t, `FROM busybox\nADD ${base}/files/missing.txt /x\n`);
  const r2 = await loaded.d.berth(["build", missing], { timeoutMs: 60_000 });
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr + r2.stdout, /failed to GET http:\/\/127\.0\.0\.1:\d+\/files\/missing\.txt with status 404 Not Found \(Dockerfile line 2\)/);
  const local = ctx(t, `FROM busybox\nADD --checksum=${sha} Dockerfile /x\n`);
  const r3 = await loaded.d.berth(["build", local], { timeoutMs: 60_000 });
  assert.notEqual(r3.code, 0);
  assert.match(r3.stderr + r3.stdout, /checksum can't be specified for non-HTTP\(S\) sources/);
});
