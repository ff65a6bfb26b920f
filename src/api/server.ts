/**
 * The Engine API server: node:http on a unix socket (or any listen target), version prefix handling,
 * routing, error mapping. A throwing handler answers an error and never takes the daemon down; a
 * client that goes away aborts `ctx.signal`.
 */
import { chmodSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { kindOf } from "../errdefs/index.js";
import type { Logger } from "../util/log.js";
import type { Backend } from "./backend.js";
import { errorBody, httpStatusOf } from "./errors.js";
import { registerContainerRoutes } from "./routes/containers.js";
import { registerContainerFsRoutes } from "./routes/container-fs.js";
import { registerBuildRoutes } from "./routes/build.js";
import { registerBuildContextRoutes } from "./routes/build-context.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerExecRoutes } from "./routes/exec.js";
import { registerImageRoutes, type ImageRouteOptions } from "./routes/images.js";
import { registerSystemRoutes } from "./routes/system.js";
import { registerNetworkRoutes } from "./routes/networks.js";
import { registerVolumeRoutes } from "./routes/volumes.js";
import { Router, type ApiRequest } from "./router.js";
import { API_VERSION, splitVersion } from "./version.js";

export interface ApiServerOptions extends ImageRouteOptions {
  log: Logger;
  /** Shown in the Server header: `Docker/<version> (linux)`. */
  serverVersion?: string;
  /** Extra routes (containers, networks… later). */
  extend?: (router: Router) => void;
}

export interface ApiServer {
  readonly server: Server;
  readonly router: Router;
  /** Listens on a unix socket path; sets its mode (default 0660). */
  listen(socketPath: string, mode?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Splits a request target into path and query without URL's host parsing (a path starting with
 * "//" must not become a host); repeated slashes collapse as Go's path cleaning would.
 */
export function parseTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const pathname = ("/" + rawPath).replace(/\/{2,}/g, "/");
  return { pathname, searchParams: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)) };
}

export function buildRouter(backend: Backend, opts: ImageRouteOptions = {}): Router {
  const r = new Router();
  registerSystemRoutes(r, backend);
  registerImageRoutes(r, backend, opts);
  registerAuthRoutes(r, backend, opts);
  registerContainerRoutes(r, backend);
  registerContainerFsRoutes(r, backend);
  registerExecRoutes(r, backend);
  registerBuildRoutes(r, backend);
  registerBuildContextRoutes(r, backend);
  registerVolumeRoutes(r, backend);
  registerNetworkRoutes(r, backend);
  return r;
}

export function createApiServer(backend: Backend, opts: ApiServerOptions): ApiServer {
  const router = buildRouter(backend, opts);
  opts.extend?.(router);
  const log = opts.log.child({ module: "api" });
  const serverHeader = `Docker/${opts.serverVersion ?? "0.1.0"} (linux)`;
  const inflight = new Set<AbortController>();

  const prepare = (raw: IncomingMessage): { req: ApiRequest; ac: AbortController } | { error: unknown } => {
    const ac = new AbortController();
    const url = parseTarget(raw.url ?? "/");
    let split: { version: string; path: string };
    try {
      split = splitVersion(url.pathname);
    } catch (error) {
      return { error };
    }
    const req: ApiRequest = {
      raw,
      method: raw.method ?? "GET",
      path: split.path,
      params: [],
      query: url.searchParams,
      ctx: { apiVersion: split.version, signal: ac.signal },
    };
    return { req, ac };
  };

  const sendError = (res: ServerResponse, err: unknown, method: string): void => {
    const status = httpStatusOf(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 304 || method === "HEAD") {
      res.writeHead(status);
      res.end();
      return;
    }
    const data = JSON.stringify(errorBody(err)) + "\n";
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
    res.end(data);
  };

  /**
   * Reads and discards what is left of a request body before an error answer, so a client still uploading
   * (an import refused for a bad --change) gets the answer instead of a broken pipe. Bounded in bytes and time.
   */
  const drainBody = (raw: IncomingMessage): Promise<void> =>
    new Promise<void>((resolve) => {
      if (raw.complete || raw.destroyed || raw.readableEnded) return resolve();
      let seen = 0;
      const done = (): void => {
        clearTimeout(timer);
        raw.off("data", onData).off("end", done).off("error", done).off("close", done);
        resolve();
      };
      const onData = (c: Buffer): void => {
        seen += c.length;
        if (seen > 64 * 1024 * 1024) done();
      };
      const timer = setTimeout(done, 10_000);
      raw.on("data", onData).on("end", done).on("error", done).on("close", done);
      raw.resume();
    });

  const onRequest = async (raw: IncomingMessage, res: ServerResponse): Promise<void> => {
    // As dockerd's version middleware: on every response.
    res.setHeader("Api-Version", API_VERSION);
    res.setHeader("Ostype", "linux");
    res.setHeader("Server", serverHeader);
    const method = raw.method ?? "GET";
    const p = prepare(raw);
    if ("error" in p) {
      sendError(res, p.error, method);
      return;
    }
    const { req, ac } = p;
    const m = router.match(method, req.path);
    if (!m.route) {
      const data = JSON.stringify({ message: "page not found" }) + "\n";
      res.writeHead(404, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
      res.end(data);
      return;
    }
    req.params = m.params;
    inflight.add(ac);
    const onClose = (): void => {
      if (!res.writableFinished) ac.abort();
    };
    res.on("close", onClose);
    const started = Date.now();
    try {
      await m.route.handler(req, res);
    } catch (err) {
      const kind = kindOf(err);
      if (kind === "internal") log.error("handler failed", { method, path: req.path, err });
      else log.debug("request failed", { method, path: req.path, kind, err });
      if (!res.headersSent) await drainBody(raw);
      sendError(res, err, method);
    } finally {
      inflight.delete(ac);
      log.debug("request", { method, path: raw.url, status: res.statusCode, ms: Date.now() - started });
    }
  };

  // Hijacked connections (attach, exec) leave node's connection tracking but still hold server.close().
  const hijacked = new Set<Duplex>();
  const onUpgrade = async (raw: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const p = prepare(raw);
    const m = "error" in p ? undefined : router.match(raw.method ?? "GET", p.req.path);
    if ("error" in p || !m?.route?.upgrade) {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + JSON.stringify({ message: "page not found" }) + "\n");
      return;
    }
    p.req.params = m.params;
    hijacked.add(socket);
    socket.on("close", () => {
      hijacked.delete(socket);
      p.ac.abort();
    });
    try {
      await m.route.upgrade(p.req, socket, head);
    } catch (err) {
      log.error("upgrade handler failed", { path: p.req.path, err });
      socket.destroy();
    }
  };

  const server = createServer({ keepAliveTimeout: 5_000 }, (raw, res) => {
    onRequest(raw, res).catch((err: unknown) => {
      log.error("request crashed", { err });
      if (!res.headersSent) sendError(res, err, raw.method ?? "GET");
      else res.destroy();
    });
  });
  server.on("upgrade", (raw: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(raw, socket, head).catch(() => socket.destroy());
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  // Long-lived streams (/events) must not be cut by node's request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  return {
    server,
    router,
    listen: (socketPath, mode = 0o660) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(socketPath, () => {
          server.off("error", reject);
          try {
            chmodSync(socketPath, mode);
          } catch (e) {
            reject(e);
            return;
          }
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const ac of inflight) ac.abort();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const sock of hijacked) sock.destroy();
      }),
  };
}
