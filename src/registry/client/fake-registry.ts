/**
 * An in-memory registry on 127.0.0.1 for the client's unit tests: manifests, blobs (with Range), the
 * upload protocol (POST/PATCH/PUT/GET status, mounts), tags/list with Link pagination, Basic or Bearer
 * auth (its own /token endpoint), and a `fault` hook that may answer a request itself.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FakeRegistryOptions {
  auth?: { kind: "basic"; user: string; password: string } | { kind: "bearer"; user?: string; password?: string; expiresIn?: number; refreshToken?: string };
  /** Answer Range requests with 206 (default true). */
  ranges?: boolean;
  /** Page size of tags/list (default: all). */
  tagPage?: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
}

export interface FakeRegistry {
  host: string;
  url: string;
  blobs: Map<string, Buffer>;
  /** "repo|ref" → manifest */
  manifests: Map<string, { mediaType: string; bytes: Buffer }>;
  /** repo → digests */
  repoBlobs: Map<string, Set<string>>;
  log: LoggedRequest[];
  tokensIssued: number;
  /** Return true when the hook answered the request itself. */
  fault?: ((req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean) | undefined;
  addBlob(repo: string, data: Buffer): string;
  addManifest(repo: string, ref: string, mediaType: string, bytes: Buffer): string;
  count(method: string, re: RegExp): number;
  close(): Promise<void>;
}

export function sha256(b: Buffer | string): string {
  return "sha256:" + createHash("sha256").update(b).digest("hex");
}

function errBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message, detail: null }] });
}

export async function startFakeRegistry(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const uploads = new Map<string, { repo: string; data: Buffer }>();
  const tokens = new Set<string>();
  const sockets = new Set<Socket>();
  const reg = {
    blobs: new Map<string, Buffer>(),
    manifests: new Map<string, { mediaType: string; bytes: Buffer }>(),
    repoBlobs: new Map<string, Set<string>>(),
    log: [] as LoggedRequest[],
    tokensIssued: 0,
  } as FakeRegistry;
  const link = (repo: string, d: string): void => {
    let s = reg.repoBlobs.get(repo);
    if (!s) reg.repoBlobs.set(repo, (s = new Set()));
    s.add(d);
  };
  reg.addBlob = (repo, data) => {
    const d = sha256(data);
    reg.blobs.set(d, data);
    link(repo, d);
    return d;
  };
  reg.addManifest = (repo, ref, mediaType, bytes) => {
    const d = sha256(bytes);
    reg.manifests.set(`${repo}|${ref}`, { mediaType, bytes });
    reg.manifests.set(`${repo}|${d}`, { mediaType, bytes });
    return d;
  };
  reg.count = (method, re) => reg.log.filter((r) => r.method === method && re.test(r.url)).length;

  const authorized = (req: IncomingMessage, res: ServerResponse): boolean => {
    const a = opts.auth;
    if (!a) return true;
    const h = req.headers.authorization ?? "";
    if (a.kind === "basic") {
      const want = "Basic " + Buffer.from(`${a.user}:${a.password}`).toString("base64");
      if (h === want) return true;
      res.writeHead(401, { "www-authenticate": 'Basic realm="fake"', "content-type": "application/json" });
      res.end(errBody("UNAUTHORIZED", "authentication required"));
      return false;
    }
    if (h.startsWith("Bearer ") && tokens.has(h.slice(7))) return true;
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(req.url ?? "");
    const scope = m ? `,scope="repository:${m[1]}:pull"` : "";
    res.writeHead(401, { "www-authenticate": `Bearer realm="${reg.url}/token",service="fake"${scope}`, "content-type": "application/json" });
    res.end(errBody("UNAUTHORIZED", "authentication required"));
    return false;
  };

  const handleToken = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const a = opts.auth;
    if (a?.kind !== "bearer") {
      res.writeHead(404).end();
      return;
    }
    let ok = a.user === undefined;
    if (req.method === "POST") {
      const form = new URLSearchParams(body.toString());
      ok = form.get("grant_type") === "refresh_token" && form.get("refresh_token") === a.refreshToken && a.refreshToken !== undefined;
    } else if (a.user !== undefined) {
      ok = req.headers.authorization === "Basic " + Buffer.from(`${a.user}:${a.password ?? ""}`).toString("base64");
    }
    if (!ok) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "incorrect username or password" }));
      return;
    }
    const t = randomUUID();
    tokens.add(t);
    reg.tokensIssued++;
    const out: Record<string, unknown> = { token: t, expires_in: a.expiresIn ?? 300 };
    if (a.refreshToken !== undefined && new URL(req.url ?? "/", "http://x").searchParams.get("offline_token") === "true") out["refresh_token"] = a.refreshToken;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      reg.log.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      if (reg.fault?.(req, res, body)) return;
      const u = new URL(req.url ?? "/", reg.url);
      if (u.pathname === "/token") return handleToken(req, res, body);
      if (!authorized(req, res)) return;
      route(req, res, u, body);
    });
  });

  const route = (req: IncomingMessage, res: ServerResponse, u: URL, body: Buffer): void => {
    const p = u.pathname;
    const json = { "content-type": "application/json" };
    if (p === "/v2/" || p === "/v2") {
      res.writeHead(200, json).end("{}");
      return;
    }
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p);
    if (m) {
      const [, repo = "", ref = ""] = m;
      if (req.method === "PUT") {
        const d = reg.addManifest(repo, ref, req.headers["content-type"] ?? "", body);
        res.writeHead(201, { "docker-content-digest": d, location: `/v2/${repo}/manifests/${d}` }).end();
        return;
      }
      const mf = reg.manifests.get(`${repo}|${ref}`);
      if (!mf) {
        res.writeHead(404, json).end(errBody("MANIFEST_UNKNOWN", "manifest unknown"));
        return;
      }
      res.writeHead(200, { "content-type": mf.mediaType, "content-length": mf.bytes.length, "docker-content-digest": sha256(mf.bytes) });
      res.end(req.method === "HEAD" ? undefined : mf.bytes);
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(p);
    if (m) {
      const [, repo = "", d = ""] = m;
      const data = reg.blobs.get(d);
      if (!data || !reg.repoBlobs.get(repo)?.has(d)) {
        res.writeHead(404, json).end(req.method === "HEAD" ? undefined : errBody("BLOB_UNKNOWN", "blob unknown to registry"));
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (range && opts.ranges !== false) {
        const start = Number(range[1]);
        res.writeHead(206, { "content-length": data.length - start, "content-range": `bytes ${start}-${data.length - 1}/${data.length}`, "accept-ranges": "bytes" });
        res.end(req.method === "HEAD" ? undefined : data.subarray(start));
        return;
      }
      res.writeHead(200, { "content-length": data.length, "docker-content-digest": d, ...(opts.ranges !== false ? { "accept-ranges": "bytes" } : {}) });
      res.end(req.method === "HEAD" ? undefined : data);
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(p);
    if (m) {
      const [, repo = "", id = ""] = m;
      if (req.method === "POST") {
        const mount = u.searchParams.get("mount");
        const from = u.searchParams.get("from");
        if (mount && from && reg.repoBlobs.get(from)?.has(mount)) {
          link(repo, mount);
          res.writeHead(201, { location: `/v2/${repo}/blobs/${mount}`, "docker-content-digest": mount }).end();
          return;
        }
        const nid = randomUUID();
        uploads.set(nid, { repo, data: Buffer.alloc(0) });
        res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${nid}?_state=x`, range: "0-0", "docker-upload-uuid": nid }).end();
        return;
      }
      const up = uploads.get(id);
      if (!up) {
        res.writeHead(404, json).end(errBody("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"));
        return;
      }
      if (req.method === "GET") {
        res.writeHead(204, { location: `/v2/${repo}/blobs/uploads/${id}?_state=y`, range: `0-${Math.max(0, up.data.length - 1)}` }).end();
        return;
      }
      if (req.method === "PATCH") {
        const cr = /^(\d+)-(\d+)$/.exec(req.headers["content-range"] ?? "");
        if (cr && Number(cr[1]) !== up.data.length) {
          res.writeHead(416, json).end(errBody("BLOB_UPLOAD_INVALID", "invalid range"));
          return;
        }
        up.data = Buffer.concat([up.data, body]);
        res.writeHead(202, { location: `${reg.url}/v2/${repo}/blobs/uploads/${id}?_state=z`, range: `0-${up.data.length - 1}` }).end();
        return;
      }
      if (req.method === "PUT") {
        const data = Buffer.concat([up.data, body]);
        const want = u.searchParams.get("digest") ?? "";
        if (sha256(data) !== want) {
          res.writeHead(400, json).end(errBody("DIGEST_INVALID", "provided digest did not match uploaded content"));
          return;
        }
        uploads.delete(id);
        reg.addBlob(repo, data);
        res.writeHead(201, { location: `/v2/${repo}/blobs/${want}`, "docker-content-digest": want }).end();
        return;
      }
    }
    m = /^\/v2\/(.+)\/tags\/list$/.exec(p);
    if (m) {
      const repo = m[1] ?? "";
      const all = [...reg.manifests.keys()].filter((k) => k.startsWith(repo + "|") && !k.includes("|sha256:")).map((k) => k.slice(repo.length + 1)).sort();
      const last = u.searchParams.get("last");
      const rest = last ? all.filter((t) => t > last) : all;
      const n = opts.tagPage ?? rest.length;
      const page = rest.slice(0, n);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (rest.length > n) headers["link"] = `</v2/${repo}/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify({ name: repo, tags: page }));
      return;
    }
    res.writeHead(404, json).end(errBody("NOT_FOUND", "not found"));
  };

  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  reg.host = `127.0.0.1:${port}`;
  reg.url = `http://${reg.host}`;
  reg.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return reg;
}
