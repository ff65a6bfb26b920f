import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { test, type TestContext } from "node:test";
import { createRegistryClient } from "./index.js";
import { sha256, startFakeRegistry } from "./fake-registry.js";

const retry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 };

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function listen(t: TestContext, server: ReturnType<typeof createServer>): Promise<string> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("blob redirects are followed and the Authorization header is not sent to the other host", async (t) => {
  const reg = await startFakeRegistry({ auth: { kind: "basic", user: "u", password: "p" } });
  t.after(() => reg.close());
  const data = Buffer.from("stored elsewhere");
  const d = sha256(data);
  const seen: IncomingMessage["headers"][] = [];
  const storage = await listen(
    t,
    createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "content-length": data.length }).end(data);
    }),
  );
  reg.fault = (req, res) => {
    if (req.method !== "GET" || !req.url?.endsWith(d)) return false;
    if (req.headers.authorization === undefined) return false; // let the 401 challenge happen
    res.writeHead(307, { location: `http://${storage}/bucket/blob?sig=1` }).end();
    return true;
  };
  const c = createRegistryClient({ retry, certsDirs: [], proxy: {} });
  t.after(() => c.close());
  const repo = c.repository({ host: reg.host, path: "r" }, { username: "u", password: "p" }, "pull");
  assert.ok((await collect(repo.fetchBlob({ mediaType: "x", digest: d, size: data.length }))).equals(data));
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.authorization, undefined);
});

test("docker.io pulls go to the mirror first (the registry itself is never needed when the mirror answers)", async (t) => {
  const mirror = await startFakeRegistry();
  t.after(() => mirror.close());
  const data = Buffer.from("layer bytes");
  const d = mirror.addBlob("library/busybox", data);
  const asked: string[] = [];
  // Should the mirror fail, the fallback to registry-1.docker.io goes to a dead local proxy, never out.
  const proxy = { https: "http://127.0.0.1:1", http: "http://127.0.0.1:1", noProxy: "127.0.0.1" };
  const c = createRegistryClient({ retry, certsDirs: [], proxy, mirrors: { "docker.io": [mirror.url] }, allowed: (h) => (asked.push(h), true) });
  t.after(() => c.close());
  const repo = c.repository({ host: "docker.io", path: "library/busybox" }, undefined, "pull");
  assert.ok((await collect(repo.fetchBlob({ mediaType: "x", digest: d, size: data.length }))).equals(data));
  assert.ok(asked.includes("docker.io"));
  assert.ok(!asked.includes("registry-1.docker.io"));
});

test("requests go through an HTTP proxy (CONNECT) unless NO_PROXY lists the host", async (t) => {
  const reg = await startFakeRegistry();
  t.after(() => reg.close());
  const data = Buffer.from("via proxy");
  const d = reg.addBlob("r", data);
  const connects: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push(req.url ?? "");
    const [h, p] = (req.url ?? "").split(":");
    const up = connect(Number(p), h ?? "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  const proxy = await listen(t, server);
  const c = createRegistryClient({ retry, certsDirs: [], proxy: { http: `http://${proxy}`, https: `http://${proxy}` } });
  t.after(() => c.close());
  assert.equal(await c.repository({ host: reg.host, path: "r" }, undefined, "pull").hasBlob(d), true);
  assert.ok(connects.includes(reg.host), `CONNECTs: ${connects.join(", ")}`);
  const n = connects.length;
  const direct = createRegistryClient({ retry, certsDirs: [], proxy: { http: `http://${proxy}`, https: `http://${proxy}`, noProxy: "127.0.0.1" } });
  t.after(() => direct.close());
  assert.equal(await direct.repository({ host: reg.host, path: "r" }, undefined, "pull").hasBlob(d), true);
  assert.equal(connects.length, n);
});
