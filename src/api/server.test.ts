import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { Readable as ReadableStream } from "node:stream";
import { test } from "node:test";
import { ConflictError, InvalidArgumentError, NoSuchImageError, NotModifiedError } from "../errdefs/index.js";
import { nullLogger } from "../util/log.js";
import type { Backend, Filters, RequestContext } from "./backend.js";
import { createApiServer } from "./server.js";
import type { EventMessage } from "./types/index.js";

interface Resp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function call(socketPath: string, method: string, p: string, body?: string): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, method, path: p, headers: { Host: "x" } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }));
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(body);
  });
}

/** A fake backend that records what it was asked. */
function fakeBackend(): { backend: Backend; seen: { filters?: Filters; tag?: unknown[]; ctx?: RequestContext; importBody?: string } } {
  const seen: { filters?: Filters; tag?: unknown[]; ctx?: RequestContext; importBody?: string } = {};
  const ev: EventMessage = { Type: "image", Action: "tag", Actor: { ID: "sha256:1", Attributes: { name: "a:b" } }, scope: "local", time: 1, timeNano: 1e9 };
  const backend: Backend = {
    images: {
      list: async (o, ctx) => {
        seen.filters = o.filters;
        seen.ctx = ctx;
        return [];
      },
      inspect: async (ref) => {
        if (ref === "boom") throw new Error("kaboom");
        if (ref === "a/b:c") return { Id: "sha256:abc" } as never;
        throw new NoSuchImageError(ref);
      },
      history: async () => [],
      tag: async (...args) => {
        seen.tag = args.slice(0, 3);
      },
      remove: async (ref, o) => {
        if (!o.force) throw new ConflictError(`conflict: unable to remove repository reference "${ref}"`);
        return [{ Untagged: ref }];
      },
      import: async (body: Readable, _o, progress) => {
        const parts: Buffer[] = [];
        for await (const c of body) parts.push(c as Buffer);
        seen.importBody = Buffer.concat(parts).toString();
        progress({ status: "working" });
        if (seen.importBody === "fail") throw new InvalidArgumentError("bad tar");
        return "sha256:new";
      },
      save: async () => ReadableStream.from([Buffer.from("tarbytes")]),
      load: async (_b, _o, progress) => {
        progress({ stream: "Loaded image: x:y\n" });
      },
      prune: async () => ({ ImagesDeleted: [], SpaceReclaimed: 0 }),
    },
    system: {
      version: async () => ({ Version: "0.1.0" }) as never,
      info: async () => {
        throw new NotModifiedError();
      },
      df: async (o) => ({ LayersSize: o.types.length, Images: [], Containers: [], Volumes: [], BuildCache: [] }),
    },
    events: {
      async *stream() {
        yield ev;
      },
    },
  };
  return { backend, seen };
}

test("API routes: status table", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-api-"));
  const sock = path.join(dir, "api.sock");
  const { backend, seen } = fakeBackend();
  const api = createApiServer(backend, { log: nullLogger, registryAllowed: (h) => h === "127.0.0.1:5000" });
  await api.listen(sock);
  t.after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const table: Array<[string, string, number, (r: Resp) => void]> = [
    ["GET", "/_ping", 200, (r) => {
      assert.equal(r.text, "OK");
      assert.equal(r.headers["api-version"], "1.44");
      assert.equal(r.headers["ostype"], "linux");
      assert.equal(r.headers["swarm"], "inactive");
      assert.equal(r.headers["docker-experimental"], "false");
      assert.match(String(r.headers["server"]), /^Docker\/0\.1\.0 \(linux\)$/);
    }],
    ["HEAD", "/_ping", 200, (r) => assert.equal(r.text, "")],
    ["GET", "/v1.41/_ping", 200, (r) => assert.equal(r.text, "OK")],
    ["GET", "/v1.99/version", 400, (r) => assert.equal(JSON.parse(r.text).message, "client version 1.99 is too new. Maximum supported API version is 1.44")],
    ["GET", "/v1.12/version", 400, (r) => assert.match(JSON.parse(r.text).message, /client version 1.12 is too old/)],
    ["GET", "/version", 200, (r) => assert.equal(JSON.parse(r.text).Version, "0.1.0")],
    ["GET", "/nope", 404, (r) => assert.deepEqual(JSON.parse(r.text), { message: "page not found" })],
    ["GET", "/images/json?filters=%7Bbad", 400, (r) => assert.match(JSON.parse(r.text).message, /invalid filter/)],
    ["GET", "/v1.41/images/json?filters=" + encodeURIComponent('{"dangling":{"true":true},"label":["a=b"]}'), 200, () => {
      assert.deepEqual(seen.filters, { dangling: ["true"], label: ["a=b"] });
      assert.equal(seen.ctx?.apiVersion, "1.41");
    }],
    ["GET", "/images/a/b:c/json", 200, (r) => assert.equal(JSON.parse(r.text).Id, "sha256:abc")],
    ["GET", "/images/missing/json", 404, (r) => assert.equal(JSON.parse(r.text).message, "No such image: missing")],
    ["GET", "/images/boom/json", 500, (r) => assert.equal(JSON.parse(r.text).message, "kaboom")],
    ["POST", "/images/x/y/tag?repo=r/s&tag=t", 201, () => assert.deepEqual(seen.tag, ["x/y", "r/s", "t"])],
    ["POST", "/images/x/tag", 400, () => undefined],
    ["DELETE", "/images/reg:5000/a:b", 409, (r) => assert.match(JSON.parse(r.text).message, /reg:5000\/a:b/)],
    ["DELETE", "/images/a?force=1", 200, (r) => assert.deepEqual(JSON.parse(r.text), [{ Untagged: "a" }])],
    ["GET", "/info", 304, (r) => assert.equal(r.text, "")],
    ["GET", "/system/df?type=image&type=volume", 200, (r) => assert.equal(JSON.parse(r.text).LayersSize, 2)],
    ["POST", "/images/create?fromImage=busybox&tag=latest", 403, (r) => assert.match(JSON.parse(r.text).message, /registry docker.io is not allowed/)],
    ["POST", "/images/create?fromImage=127.0.0.1:5000/busybox", 501, () => undefined],
    ["POST", "/images/create", 400, () => undefined],
    ["POST", "/images/busybox/push?tag=latest", 403, (r) => assert.match(JSON.parse(r.text).message, /registry docker.io is not allowed/)],
    ["POST", "/images/127.0.0.1:5000/a/b/push", 501, (r) => assert.match(JSON.parse(r.text).message, /127.0.0.1:5000\/a\/b/)],
    ["GET", "/images/get?names=a&names=b", 200, (r) => {
      assert.equal(r.headers["content-type"], "application/x-tar");
      assert.equal(r.text, "tarbytes");
    }],
    ["GET", "/images/a/b/get", 200, (r) => assert.equal(r.text, "tarbytes")],
    ["POST", "/images/load?quiet=0", 200, (r) => assert.equal(JSON.parse(r.text).stream, "Loaded image: x:y\n")],
    ["POST", "/images/prune", 200, (r) => assert.equal(JSON.parse(r.text).SpaceReclaimed, 0)],
    ["GET", "/events?since=0&until=1", 200, (r) => assert.equal(JSON.parse(r.text.trim()).Action, "tag")],
    ["GET", "/events?since=garbage", 400, () => undefined],
    ["GET", "/events?since=20&until=10", 400, (r) => assert.match(JSON.parse(r.text).message, /`since` time \(20\) cannot be after `until` time \(10\)/)],
    ["GET", "/system/df?type=bogus", 400, (r) => assert.equal(JSON.parse(r.text).message, "unknown object type: bogus")],
    ["GET", "/v1.41/system/df?type=image", 200, (r) => assert.equal(JSON.parse(r.text).LayersSize, 0, "type is ignored before 1.42")],
    ["HEAD", "/_ping", 200, (r) => {
      assert.equal(r.headers["builder-version"], "1");
      assert.equal(r.headers["cache-control"], "no-cache, no-store, must-revalidate");
      assert.equal(r.headers["pragma"], "no-cache");
    }],
    ["GET", "//v1.41//_ping", 200, (r) => assert.equal(r.text, "OK")],
    ["GET", "/images/a%2Fb:c/json", 200, (r) => assert.equal(JSON.parse(r.text).Id, "sha256:abc")],
    ["PUT", "/images/json", 404, (r) => assert.deepEqual(JSON.parse(r.text), { message: "page not found" })],
  ];
  for (const [method, p, status, check] of table) {
    const r = await call(sock, method, p);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    assert.equal(r.headers["api-version"], "1.44", `${method} ${p} has Api-Version`);
    assert.equal(r.headers["ostype"], "linux", `${method} ${p} has Ostype`);
    check(r);
  }

  // import: body reaches the backend, progress then the id; a failure after the first line is an errorDetail line
  const ok = await call(sock, "POST", "/images/create?fromSrc=-&repo=r", "tar!");
  assert.equal(ok.status, 200);
  assert.equal(seen.importBody, "tar!");
  const lines = ok.text.trim().split("\n").map((l) => JSON.parse(l) as { status?: string });
  assert.deepEqual(lines.map((l) => l.status), ["working", "sha256:new"]);
  const bad = await call(sock, "POST", "/images/create?fromSrc=-", "fail");
  assert.equal(bad.status, 200);
  const last = JSON.parse(bad.text.trim().split("\n").at(-1) ?? "{}") as { error?: string; errorDetail?: { message: string } };
  assert.equal(last.error, "bad tar");
  assert.equal(last.errorDetail?.message, "bad tar");
});

test("API server: live events are flushed per event; a client that goes away aborts the request signal", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-api-"));
  const sock = path.join(dir, "api.sock");
  const { backend } = fakeBackend();
  let aborted: Promise<void> | undefined;
  let emit: ((ev: EventMessage) => void) | undefined;
  backend.events = {
    stream(_o, ctx) {
      aborted = new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      const queue: EventMessage[] = [];
      let wake: (() => void) | undefined;
      emit = (ev) => {
        queue.push(ev);
        wake?.();
      };
      return (async function* () {
        while (!ctx.signal.aborted) {
          const ev = queue.shift();
          if (ev) yield ev;
          else await new Promise<void>((r) => ((wake = r), ctx.signal.addEventListener("abort", () => r())));
        }
      })();
    },
  };
  const api = createApiServer(backend, { log: nullLogger });
  await api.listen(sock);
  t.after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const firstLine = await new Promise<{ line: string; destroy: () => void }>((resolve, reject) => {
    const r = request({ socketPath: sock, method: "GET", path: "/v1.44/events" }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "application/json");
      res.setEncoding("utf8");
      res.once("data", (chunk: string) => resolve({ line: chunk, destroy: () => r.destroy() }));
      setTimeout(() => emit?.({ Type: "image", Action: "tag", Actor: { ID: "x", Attributes: {} }, scope: "local", time: 1, timeNano: 1 }), 20);
    });
    r.on("error", reject);
    r.end();
  });
  assert.equal((JSON.parse(firstLine.line) as EventMessage).Action, "tag");
  firstLine.destroy();
  await aborted; // resolves only when the server aborted the request's signal
});

test("router: an upgrade handler per route receives the hijacked socket", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-api-"));
  const sock = path.join(dir, "api.sock");
  const api = createApiServer(fakeBackend().backend, {
    log: nullLogger,
    extend: (router) =>
      router.post(
        "/containers/([^/]+)/attach",
        () => Promise.reject(new NotModifiedError()),
        async (req, socket) => {
          socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ${req.params[0] ?? ""}`);
          socket.end();
          return Promise.resolve();
        },
      ),
  });
  await api.listen(sock);
  t.after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const got = await new Promise<{ status: number; data: string }>((resolve, reject) => {
    const r = request({ socketPath: sock, method: "POST", path: "/v1.41/containers/abc/attach?stream=1", headers: { Connection: "Upgrade", Upgrade: "tcp" } });
    r.on("upgrade", (res, socket, head) => {
      const parts: Buffer[] = [head];
      socket.on("data", (c: Buffer) => parts.push(c));
      socket.on("end", () => resolve({ status: res.statusCode ?? 0, data: Buffer.concat(parts).toString() }));
    });
    r.on("error", reject);
    r.end();
  });
  assert.deepEqual(got, { status: 101, data: "hello abc" });
  const plain = await call(sock, "POST", "/containers/abc/attach");
  assert.equal(plain.status, 304);
  const noUpgrade = await new Promise<number>((resolve, reject) => {
    const r = request({ socketPath: sock, method: "POST", path: "/images/x/attach", headers: { Connection: "Upgrade", Upgrade: "tcp" } });
    r.on("response", (res) => resolve(res.statusCode ?? 0));
    r.on("upgrade", () => reject(new Error("unexpected upgrade")));
    r.on("error", reject);
    r.end();
  });
  assert.equal(noUpgrade, 404);
});
