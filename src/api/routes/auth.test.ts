import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { InvalidArgumentError, NotFoundError, UnauthorizedError } from "../../errdefs/index.js";
import { nullLogger } from "../../util/log.js";
import type { Backend, RegistryAuth } from "../backend.js";
import { createApiServer } from "../server.js";
import { authFromJson, loginHostOf, registryConfigOf } from "./auth.js";
import type { IncomingMessage } from "node:http";

function call(sock: string, method: string, p: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: sock, method, path: p, headers: { Host: "x", ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");

test("authFromJson splits docker's `auth` field; loginHostOf maps Docker Hub's addresses", () => {
  assert.deepEqual(authFromJson({ auth: Buffer.from("u:p:q").toString("base64"), serveraddress: "h:5000", email: "" }), { username: "u", password: "p:q", serveraddress: "h:5000" });
  assert.equal(loginHostOf("https://index.docker.io/v1/"), "docker.io");
  assert.equal(loginHostOf(""), "docker.io");
  assert.equal(loginHostOf("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  const hdr = (v: string) => ({ headers: { "x-registry-config": v } }) as unknown as IncomingMessage;
  assert.deepEqual(
    registryConfigOf(hdr(b64url({ "https://index.docker.io/v1/": { username: "a", password: "b" }, "127.0.0.1:5000": { auth: Buffer.from("c:d").toString("base64") }, empty: {} }))),
    { "docker.io": { username: "a", password: "b" }, "127.0.0.1:5000": { username: "c", password: "d" } },
  );
  assert.equal(registryConfigOf(hdr("not json")), undefined);
});

test("POST /auth, pull and push routes: auth header, statuses and stream errors", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-auth-"));
  const sock = path.join(dir, "api.sock");
  const seen: { pull?: unknown; push?: unknown; login?: RegistryAuth } = {};
  const backend = {
    images: {
      login: async (auth: RegistryAuth) => {
        seen.login = auth;
        if (auth.password !== "right") throw new UnauthorizedError("unauthorized: incorrect username or password");
        return { status: "Login Succeeded", identityToken: "" };
      },
      pull: async (o: { name: string; tag?: string; auth?: RegistryAuth }, progress: (m: object) => void) => {
        seen.pull = o;
        if (o.tag === "missing") throw new NotFoundError("manifest for x:missing not found: manifest unknown: manifest unknown");
        progress({ status: "Pulling from x", id: o.tag });
        if (o.tag === "late") throw new InvalidArgumentError("blob broken");
        return "sha256:1";
      },
      push: async (o: unknown, progress: (m: object) => void) => {
        seen.push = o;
        progress({ status: "The push refers to repository [127.0.0.1:5000/x]" });
      },
    },
    system: {},
    events: {},
  } as unknown as Backend;
  const api = createApiServer(backend, { log: nullLogger, registryAllowed: (h) => h.startsWith("127.0.0.1") });
  await api.listen(sock);
  t.after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let r = await call(sock, "POST", "/v1.44/auth", JSON.stringify({ username: "u", password: "right", serveraddress: "127.0.0.1:5000" }));
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.text), { Status: "Login Succeeded", IdentityToken: "" });
  r = await call(sock, "POST", "/auth", JSON.stringify({ username: "u", password: "bad", serveraddress: "127.0.0.1:5000" }));
  assert.equal(r.status, 401);
  assert.deepEqual(JSON.parse(r.text), { message: "unauthorized: incorrect username or password" });
  r = await call(sock, "POST", "/auth", JSON.stringify({ username: "u", password: "right", serveraddress: "https://index.docker.io/v1/" }));
  assert.equal(r.status, 403);
  assert.match(JSON.parse(r.text).message, /registry docker.io is not allowed/);

  const hdr = { "X-Registry-Auth": b64url({ username: "me", password: "pw", serveraddress: "127.0.0.1:5000" }) };
  r = await call(sock, "POST", "/images/create?fromImage=127.0.0.1:5000/x&tag=1", undefined, hdr);
  assert.equal(r.status, 200);
  assert.deepEqual(seen.pull, { name: "127.0.0.1:5000/x", tag: "1", auth: { username: "me", password: "pw", serveraddress: "127.0.0.1:5000" } });
  assert.deepEqual(JSON.parse(r.text.trim()), { status: "Pulling from x", id: "1" });
  r = await call(sock, "POST", "/images/create?fromImage=127.0.0.1:5000/x&tag=missing");
  assert.equal(r.status, 404);
  assert.match(JSON.parse(r.text).message, /^manifest for x:missing not found/);
  r = await call(sock, "POST", "/images/create?fromImage=127.0.0.1:5000/x&tag=late", undefined, { "X-Registry-Auth": "e30=" });
  assert.equal(r.status, 200);
  const lines = r.text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.at(-1), { errorDetail: { message: "blob broken" }, error: "blob broken" });
  assert.equal((seen.pull as { auth?: unknown }).auth, undefined, "an empty {} auth header is anonymous");

  r = await call(sock, "POST", "/images/127.0.0.1:5000/x/push?tag=2", undefined, hdr);
  assert.equal(r.status, 200);
  assert.deepEqual(seen.push, { name: "127.0.0.1:5000/x", tag: "2", auth: { username: "me", password: "pw", serveraddress: "127.0.0.1:5000" } });
});
