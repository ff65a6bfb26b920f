import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { noAuth, type Access, type Authenticator } from "./auth.js";
import { deleteBlob, getBlob } from "./blob-handlers.js";
import { toRegistryError } from "./errors.js";
import { sendJson, type Ctx } from "./http-util.js";
import { catalog, listTags, referrers } from "./list-handlers.js";
import { deleteManifest, getManifest, putManifest } from "./manifest-handlers.js";
import { RegistryStore } from "./registry-store.js";
import { isWrite, methodsOf, route, type Route } from "./router.js";
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from "./upload-handlers.js";
import { Uploads } from "./uploads.js";

export interface RegistryServerOptions {
  /** Storage root (blobs/, uploads/, state.db). */
  root: string;
  auth?: Authenticator;
  /** Refuse every write with a 405, as distribution in read-only mode. */
  readOnly?: boolean;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Where unexpected (500) errors are reported. */
  log?: (line: string) => void;
}

/** The permissions a request needs before anything else happens. */
function needs(r: Route, method: string): Access[] {
  const repo = (action: string): Access[] => ("name" in r ? [{ type: "repository", name: r.name, action }] : []);
  switch (r.kind) {
    case "base":
      return [];
    case "catalog":
      return [{ type: "registry", name: "catalog", action: "*" }];
    case "upload-start":
    case "upload":
      return [...repo("pull"), ...repo("push")];
    case "manifest":
      if (method === "PUT") return [...repo("pull"), ...repo("push")];
      if (method === "DELETE") return repo("delete");
      return repo("pull");
    case "blob":
      return method === "DELETE" ? repo("delete") : repo("pull");
    default:
      return repo("pull");
  }
}

async function dispatch(ctx: Ctx, r: Route): Promise<void> {
  const m = ctx.req.method ?? "GET";
  switch (r.kind) {
    case "base":
      return sendJson(ctx.res, 200, {});
    case "catalog":
      return catalog(ctx);
    case "tags":
      return listTags(ctx, r.name);
    case "referrers":
      return referrers(ctx, r.name, r.digest);
    case "manifest":
      if (m === "PUT") return putManifest(ctx, r.name, r.reference);
      if (m === "DELETE") return deleteManifest(ctx, r.name, r.reference);
      return getManifest(ctx, r.name, r.reference);
    case "blob":
      if (m === "DELETE") return deleteBlob(ctx, r.name, r.digest);
      return getBlob(ctx, r.name, r.digest);
    case "upload-start":
      return startUpload(ctx, r.name);
    case "upload":
      if (m === "PATCH") return patchUpload(ctx, r.name, r.uuid);
      if (m === "PUT") return finishUpload(ctx, r.name, r.uuid);
      if (m === "DELETE") return cancelUpload(ctx, r.name, r.uuid);
      return uploadStatus(ctx, r.name, r.uuid);
  }
}

/**
 * berth's OCI Distribution registry: routes, authentication (before anything else, on every
 * endpoint), read-only mode, and one error path that answers distribution's JSON errors.
 */
export class RegistryServer {
  readonly server: Server;
  readonly store: RegistryStore;
  private readonly uploads: Uploads;
  private readonly auth: Authenticator;

  constructor(private readonly opts: RegistryServerOptions) {
    this.store = new RegistryStore(opts.root);
    this.uploads = new Uploads(this.store);
    this.auth = opts.auth ?? noAuth;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void this.handle(req, res);
    };
    const serverOpts = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000 };
    this.server = opts.tls
      ? createHttpsServer({ ...serverOpts, cert: opts.tls.cert, key: opts.tls.key }, handler)
      : createHttpServer(serverOpts, handler);
    // `Expect: 100-continue` is answered only once the request is authenticated and acceptable.
    this.server.on("checkContinue", handler);
    this.server.on("clientError", (_err, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
  }

  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const a = this.server.address() as AddressInfo;
        resolve(a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        this.store.close();
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
    try {
      const method = req.method ?? "GET";
      // Route on the path as sent: URL() would resolve `..` segments before the name is checked.
      const target = req.url ?? "/";
      const q = target.indexOf("?");
      const rawPath = q < 0 ? target : target.slice(0, q);
      const url = { pathname: rawPath, searchParams: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)) };
      let r: Route | undefined;
      let routeErr: unknown;
      try {
        r = route(rawPath);
      } catch (err) {
        routeErr = err;
      }
      // Authentication comes first, whatever the path: an anonymous client learns nothing.
      const grant = await this.auth.authenticate(req, r ? needs(r, method) : []);
      if (routeErr !== undefined) throw routeErr;
      if (!r) {
        req.resume();
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": 19 });
        res.end("404 page not found\n");
        return;
      }
      // As distribution: a method the route lacks (every write, in read-only mode) is a plain-text 405.
      const allowed = methodsOf(r).filter((m) => !(this.opts.readOnly && isWrite(m)));
      if (!allowed.includes(method)) {
        req.resume();
        res.writeHead(405, { Allow: allowed.join(", "), "Content-Type": "text/plain; charset=utf-8", "Content-Length": 19 });
        res.end("Method not allowed\n");
        return;
      }
      if (/^100-continue$/i.test(req.headers.expect ?? "")) res.writeContinue();
      await dispatch({ req, res, url, store: this.store, uploads: this.uploads, auth: this.auth, grant }, r);
    } catch (err) {
      this.fail(req, res, err);
    }
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const e = toRegistryError(err);
    if (e.code === "UNKNOWN") this.opts.log?.(`registry: ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = Buffer.from(e.body());
    const headers: Record<string, string | number> = { ...e.headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length };
    // An unread request body (refused upload) is not drained: the connection closes instead.
    if (!req.complete) headers["Connection"] = "close";
    res.writeHead(e.status, headers);
    res.end(body);
    if (!req.complete) req.resume();
  }
}
