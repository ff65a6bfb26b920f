/**
 * A small HTTP/1.1 exchange over node:net for requests whose body is in memory and whose answer is read
 * whole (pings and JSON calls: most CLI commands). node:http costs about 7 ms to load at CLI start, which
 * is a tenth of `berth version`; streaming requests still use node:http. One request per connection
 * (`Connection: close`); responses are framed by Content-Length, chunked encoding or close.
 * exchangeEarly() is the same exchange answered in two steps: the status and headers as soon as they
 * arrive, the body when the connection closes (POST /containers/{id}/wait, whose body comes at the exit).
 */
import type { Socket } from "node:net";
import { unixExchange } from "../native/index.js";

/** node:net, loaded on first use: a CLI call over a unix socket never needs it. */
const net = (): typeof import("node:net") => process.getBuiltinModule("node:net");

let syncUnix = false;

/**
 * Lets exchange() block on unix sockets (the native addon's synchronous exchange). Only the berth command
 * line turns it on (cli/main.ts, cli/lite.ts): in a process that also serves the socket it talks to (a
 * test's fake daemon, an embedding program) a blocking call would wait for an answer its own event loop
 * has to give.
 */
export function useSyncUnixExchange(on = true): void {
  syncUnix = on;
}

export function syncUnixExchange(): boolean {
  return syncUnix;
}

export interface WireEndpoint {
  socketPath?: string;
  hostname?: string;
  port?: number;
}

export interface WireResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/** A failure to reach the daemon (as opposed to a bad answer), with the socket error's code. */
export class WireConnectError extends Error {
  constructor(readonly code: string | undefined, options?: ErrorOptions) {
    super(`connect failed${code ? `: ${code}` : ""}`, options);
  }
}

/** The request's bytes: head (with `Connection: close`) and body. */
function requestBytes(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Buffer {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  let head = `${method} ${path} HTTP/1.1\r\n`;
  if (!Object.keys(headers).some((k) => k.toLowerCase() === "host")) head += "Host: localhost\r\n"; // HTTP/1.1 requires one
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (payload !== undefined || method === "POST" || method === "PUT") head += `Content-Length: ${payload?.length ?? 0}\r\n`;
  head += "Connection: close\r\n\r\n";
  return payload === undefined ? Buffer.from(head, "latin1") : Buffer.concat([Buffer.from(head, "latin1"), payload]);
}

function send(ep: WireEndpoint, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): { sock: Socket; connected: () => boolean } {
  const sock: Socket = ep.socketPath !== undefined ? net().connect(ep.socketPath) : net().connect(ep.port ?? 2375, ep.hostname ?? "localhost");
  const bytes = requestBytes(method, path, headers, body);
  let connected = false;
  sock.on("connect", () => {
    connected = true;
    sock.write(bytes);
  });
  return { sock, connected: () => connected };
}

/**
 * One request answered whole. In the CLI (useSyncUnixExchange), over a unix socket, it goes through the
 * native addon, synchronously: a CLI's calls are one at a time, and loading and first using node:net
 * cost more than the call itself (`berth version`). Otherwise, and without the addon, node:net.
 */
export function exchange(ep: WireEndpoint, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<WireResponse> {
  if (syncUnix && ep.socketPath !== undefined) {
    let raw: Buffer | undefined;
    try {
      raw = unixExchange(ep.socketPath, requestBytes(method, path, headers, body));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return Promise.reject(err.syscall === "connect" || err.syscall === "socket" ? new WireConnectError(err.code, { cause: err }) : err);
    }
    if (raw !== undefined) {
      try {
        return Promise.resolve(parseResponse(raw));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
  }
  return new Promise((resolve, reject) => {
    const { sock, connected } = send(ep, method, path, headers, body);
    const chunks: Buffer[] = [];
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", (e: NodeJS.ErrnoException) => {
      if (!connected()) reject(new WireConnectError(e.code, { cause: e }));
      else if (e.code !== "ECONNRESET" || chunks.length === 0) reject(e);
    });
    sock.on("close", () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

export interface EarlyResponse {
  status: number;
  headers: Record<string, string>;
  /** The whole body (de-chunked), once the daemon closes the connection. */
  body: Promise<Buffer>;
  /** Drops the connection; `body` then rejects. */
  cancel(): void;
}

/** exchange() that resolves as soon as the status line and headers are in. */
export function exchangeEarly(ep: WireEndpoint, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<EarlyResponse> {
  return new Promise((resolve, reject) => {
    const { sock, connected } = send(ep, method, path, headers, body);
    const chunks: Buffer[] = [];
    let headed = false;
    let settleBody: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
    const bodyP = new Promise<Buffer>((res, rej) => (settleBody = { resolve: res, reject: rej }));
    void bodyP.catch(() => undefined);
    sock.on("data", (c: Buffer) => {
      chunks.push(c);
      if (headed) return;
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) return;
      headed = true;
      try {
        const r = parseHead(all, end);
        resolve({ status: r.status, headers: r.headers, body: bodyP, cancel: () => sock.destroy() });
      } catch (e) {
        sock.destroy();
        reject(e as Error);
      }
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      if (!connected()) reject(new WireConnectError(e.code, { cause: e }));
      else if (!headed) reject(e);
      else settleBody?.reject(e);
    });
    sock.on("close", () => {
      try {
        const r = parseResponse(Buffer.concat(chunks));
        if (!headed) resolve({ status: r.status, headers: r.headers, body: Promise.resolve(r.body), cancel: () => undefined });
        else settleBody?.resolve(r.body);
      } catch (e) {
        if (!headed) reject(e as Error);
        else settleBody?.reject(e as Error);
      }
    });
  });
}

/** Parses a complete HTTP/1.1 response (the connection has closed). */
export function parseResponse(raw: Buffer): WireResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(connectionClosedMessage(raw));
  const { status, headers } = parseHead(raw, end);
  let body = raw.subarray(end + 4);
  if ((headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked")) body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  return { status, headers, body };
}

/** The status line and headers of a response whose head ends at `end` (the blank line). */
function parseHead(raw: Buffer, end: number): { status: number; headers: Record<string, string> } {
  const lines = raw.toString("latin1", 0, end).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (!m) throw new Error(`malformed HTTP response: ${JSON.stringify(lines[0] ?? "")}`);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i <= 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { status: Number(m[1]), headers };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = b.indexOf("\r\n", pos);
    if (eol < 0) throw new Error("truncated chunked response");
    const size = parseInt(b.toString("latin1", pos, eol).split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) throw new Error("malformed chunked response");
    if (size === 0) return Buffer.concat(out);
    const start = eol + 2;
    if (start + size > b.length) throw new Error("truncated chunked response");
    out.push(b.subarray(start, start + size));
    pos = start + size + 2;
  }
}

function connectionClosedMessage(raw: Buffer): string {
  return raw.length === 0 ? "the daemon closed the connection without answering" : "truncated HTTP response";
}
