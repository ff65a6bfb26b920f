/**
 * A faulty HTTP reverse proxy on 127.0.0.1 in front of a (plain HTTP) registry, for the registry
 * fault tests. Each request is matched against the plan's rules (method + path regex, first match
 * wins); a rule injects one fault, for its first `times` matches (then the request passes through):
 *
 *   - drop:     answer with the upstream status and headers, then cut the connection after `afterBytes` body bytes
 *   - stall:    wait `ms` before forwarding (no `ms`: never answer, until the client gives up);
 *               with `afterBytes`, the stall happens after that many body bytes were sent
 *   - status:   answer `status` (e.g. 500, or 429 with `retryAfter` seconds) without contacting upstream
 *   - corrupt:  flip one byte of the body (`offset`, negative counts from the end; default the last byte)
 *   - throttle: forward the body at `bytesPerSec`
 *
 * The Host header is passed through unchanged, so the URLs a registry builds (upload Locations) point
 * back at the proxy. Every request is logged in `hits`.
 *
 *   const p = await startFaultProxy(t, reg.url, [{ method: "GET", path: /\/blobs\/sha256:/, times: 1, fault: { kind: "drop", afterBytes: 100_000 } }]);
 *   // pull from p.host; p.count(/\/blobs\//, "GET") tells how often blobs were fetched
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TestLike } from "./daemon.js";

export type Fault =
  | { kind: "drop"; afterBytes: number }
  | { kind: "stall"; ms?: number; afterBytes?: number }
  | { kind: "status"; status: number; retryAfter?: number; body?: string }
  | { kind: "corrupt"; offset?: number }
  | { kind: "throttle"; bytesPerSec: number };

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Matched against the request path (with query string). */
  path: RegExp;
  /** Inject the fault for the first `times` matching requests only; default: every time. */
  times?: number;
  fault: Fault;
}

export type FaultPlan = FaultRule[];

export interface Hit {
  method: string;
  path: string;
  /** Status sent to the client (0 when none was sent). */
  status: number;
  /** The fault injected, if any (drop and mid-body stall: only once they fired). */
  fault?: Fault["kind"];
  /** Body bytes sent to the client. */
  bytes: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** 127.0.0.1:PORT (what goes into image references). */
  readonly host: string;
  readonly hits: Hit[];
  /** Number of requests matching `path` (and `method` if given). */
  count(path: RegExp, method?: string): number;
  /** Replaces the plan (match counters start again). */
  setPlan(plan: FaultPlan): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(t: TestLike | undefined, upstreamUrl: string, plan: FaultPlan = []): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  if (upstream.protocol !== "http:") throw new Error("fault proxy: only http upstreams are supported");
  let rules = plan;
  let used = new Map<FaultRule, number>();
  const hits: Hit[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const tm = setTimeout(() => {
        timers.delete(tm);
        resolve();
      }, ms);
      timers.add(tm);
    });

  const pickFault = (method: string, p: string): Fault | undefined => {
    for (const r of rules) {
      if (r.method !== undefined && r.method.toUpperCase() !== method) continue;
      if (!r.path.test(p)) continue;
      const n = used.get(r) ?? 0;
      if (r.times !== undefined && n >= r.times) return undefined; // first matching rule decides: pass through
      used.set(r, n + 1);
      return r.fault;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const p = req.url ?? "/";
    const fault = pickFault(method, p);
    const hit: Hit = { method, path: p, status: 0, bytes: 0 };
    // Faults that act on the body are recorded when they fire (a short body may never reach `afterBytes`).
    if (fault && fault.kind !== "drop" && !(fault.kind === "stall" && fault.afterBytes !== undefined)) hit.fault = fault.kind;
    hits.push(hit);
    let clientGone = false;
    res.on("close", () => (clientGone = true));

    if (fault?.kind === "status") {
      req.resume();
      const body = fault.body ?? JSON.stringify({ errors: [{ code: "UNKNOWN", message: `injected ${fault.status}` }] });
      const headers: Record<string, string> = { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) };
      if (fault.retryAfter !== undefined) headers["Retry-After"] = String(fault.retryAfter);
      hit.status = fault.status;
      res.writeHead(fault.status, headers);
      res.end(body);
      return;
    }
    if (fault?.kind === "stall" && fault.afterBytes === undefined) {
      if (fault.ms === undefined) {
        // Never answer: hold the request until the client closes it (or the proxy stops).
        req.resume();
        return;
      }
      await wait(fault.ms);
      if (clientGone || stopped) return;
    }

    const headers = { ...req.headers };
    const up = httpRequest({ host: upstream.hostname, port: upstream.port, method, path: p, headers });
    req.pipe(up);
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    up.on("error", () => {
      if (!res.headersSent) {
        hit.status = 502;
        res.writeHead(502, { "Content-Type": "text/plain" });
        res.end("upstream error");
      } else res.destroy();
    });
    up.on("response", (ures) => {
      void forward(ures).catch(() => res.destroy());
    });

    const forward = async (ures: IncomingMessage): Promise<void> => {
      hit.status = ures.statusCode ?? 0;
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage ?? "", ures.headers);
      if (method === "HEAD") {
        res.end();
        return;
      }
      if (fault?.kind === "corrupt") {
        const chunks: Buffer[] = [];
        for await (const c of ures) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks);
        if (body.length > 0) {
          const off = fault.offset ?? -1;
          const i = off < 0 ? Math.max(0, body.length + off) : Math.min(off, body.length - 1);
          body[i] = (body[i] ?? 0) ^ 0xff;
        }
        hit.bytes = body.length;
        res.end(body);
        return;
      }
      let stalled = false;
      for await (const c of ures) {
        if (clientGone || stopped) {
          ures.destroy();
          return;
        }
        let chunk = c as Buffer;
        if (fault?.kind === "drop" && hit.bytes + chunk.length >= fault.afterBytes) {
          const keep = Math.max(0, fault.afterBytes - hit.bytes);
          if (keep > 0) {
            await writeChunk(res, chunk.subarray(0, keep));
            hit.bytes += keep;
          }
          hit.fault = "drop";
          ures.destroy();
          // Let the bytes reach the client, then cut the TCP connection without a proper end.
          await wait(20);
          res.socket?.destroy();
          res.destroy();
          return;
        }
        if (fault?.kind === "stall" && !stalled && fault.afterBytes !== undefined && hit.bytes + chunk.length >= fault.afterBytes) {
          const keep = Math.max(0, fault.afterBytes - hit.bytes);
          if (keep > 0) {
            await writeChunk(res, chunk.subarray(0, keep));
            hit.bytes += keep;
          }
          chunk = chunk.subarray(keep);
          hit.fault = "stall";
          if (fault.ms === undefined) {
            // hold forever (until the client gives up)
            ures.pause();
            await new Promise<void>((r) => res.once("close", () => r()));
            ures.destroy();
            return;
          }
          await wait(fault.ms);
          if (clientGone || stopped) {
            ures.destroy();
            return;
          }
          stalled = true;
        }
        if (fault?.kind === "throttle") {
          const slice = Math.max(1024, Math.floor(fault.bytesPerSec / 20));
          for (let o = 0; o < chunk.length; o += slice) {
            const part = chunk.subarray(o, o + slice);
            await writeChunk(res, part);
            await wait((part.length / fault.bytesPerSec) * 1000);
            if (clientGone || stopped) {
              ures.destroy();
              return;
            }
          }
        } else await writeChunk(res, chunk);
        hit.bytes += chunk.length;
      }
      res.end();
    };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    hits,
    count: (re, m) => hits.filter((h) => re.test(h.path) && (m === undefined || h.method === m.toUpperCase())).length,
    setPlan: (next) => {
      rules = next;
      used = new Map();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const tm of timers) clearTimeout(tm);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  t?.after(() => proxy.stop());
  return proxy;
}

function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    if (res.write(chunk)) resolve();
    else {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.once("drain", done);
      res.once("close", done);
    }
  });
}
