/**
 * EngineClient: a minimal Docker Engine API client over node:http (unix socket or tcp). It negotiates
 * the API version once (`/_ping`, then min(server's Api-Version, MAX_API_VERSION)) and prefixes paths
 * with `/vX.Y`. Errors: a daemon error answer becomes DaemonError; no answer becomes ConnectError.
 */
import { compareVersions } from "../util/version.js";
import type { IncomingMessage, RequestOptions as HttpRequestOptions } from "node:http";
import type { Readable } from "node:stream";
import { unixConnect } from "../native/index.js";
import { exchange, exchangeEarly, syncUnixExchange, WireConnectError, type EarlyResponse, type WireResponse } from "./wire.js";

/** node:http is loaded only for streamed requests (see wire.ts for why). */
const http = (): typeof import("node:http") => process.getBuiltinModule("node:http");
const CONNECT_CODES = ["ECONNREFUSED", "ENOENT", "EACCES", "ECONNRESET", "EHOSTUNREACH"];

export const MAX_API_VERSION = "1.44";

/** A daemon's answer to an API version newer than it speaks (dockerd and berthd word it the same). */
const TOO_NEW = /client version [0-9.]+ is too new/;

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown; // JSON-encoded unless a Buffer/string/Readable
  headers?: Record<string, string>;
  /** Do not prefix the path with /vX.Y. */
  unversioned?: boolean;
}

export class DaemonError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = "DaemonError";
  }
}

export class ConnectError extends Error {
  constructor(
    readonly host: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot connect to the berth daemon at ${host}. Is the berth daemon running?`, options);
    this.name = "ConnectError";
  }
}

export interface Endpoint {
  socketPath?: string;
  hostname?: string;
  port?: number;
}

export function parseHost(host: string): Endpoint {
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  if (host.startsWith("tcp://") || host.startsWith("http://")) {
    const u = new URL(host.replace(/^tcp:/, "http:"));
    return { hostname: u.hostname, port: Number(u.port || 2375) };
  }
  throw new Error(`unable to parse docker host \`${host}\``);
}

export class EngineClient {
  private readonly endpoint: Endpoint;
  private version: string | undefined;
  private negotiating: Promise<string> | undefined;

  constructor(
    readonly host: string,
    opts: { version?: string } = {},
  ) {
    this.endpoint = parseHost(host);
    this.version = opts.version;
  }

  /** The negotiated API version (pings the daemon the first time). */
  apiVersion(): Promise<string> {
    if (this.version !== undefined) return Promise.resolve(this.version);
    this.negotiating ??= this.simple("GET", "/_ping", {}).then((res) => {
      const server = res.headers["api-version"];
      this.version = server !== undefined && compareVersions(server, MAX_API_VERSION) < 0 ? server : MAX_API_VERSION;
      return this.version;
    });
    return this.negotiating;
  }

  /** Sends a request and returns the response once its status is known; non-2xx answers throw DaemonError. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const full = opts.unversioned ? path : `/v${await this.apiVersion()}${path}`;
    const res = await this.raw(method, full, opts);
    const code = res.statusCode ?? 0;
    if (code >= 400) {
      const text = (await readAll(res)).toString("utf8");
      throw new DaemonError(errorMessage(text, code), code);
    }
    return res;
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    let text: string;
    if (isReadable(opts.body)) {
      text = (await readAll(await this.request(method, path, opts))).toString("utf8");
    } else {
      let res = await this.simple(method, opts.unversioned ? path : `/v${await this.versionOrOptimistic()}${path}`, opts);
      if (res.status === 400 && this.version === undefined && !opts.unversioned && TOO_NEW.test(res.body.toString("utf8"))) {
        // an older daemon: negotiate as docker's CLI does, then ask again (the body is in memory)
        res = await this.simple(method, `/v${await this.apiVersion()}${path}`, opts);
      } else if (res.status < 400 && !opts.unversioned) {
        this.version ??= MAX_API_VERSION;
      }
      text = res.body.toString("utf8");
      if (res.status >= 400) throw new DaemonError(errorMessage(text, res.status), res.status);
    }
    return (text.trim() === "" ? undefined : JSON.parse(text)) as T;
  }

  /**
   * The version to send a request that can be sent again: the negotiated one when known (or being
   * negotiated), else optimistically the newest this client speaks. berthd speaks it, so the CLI's first
   * request needs no `/_ping` before it; an older daemon's "too new" answer leads to the negotiation.
   */
  private versionOrOptimistic(): Promise<string> | string {
    if (this.version !== undefined) return this.version;
    if (this.negotiating) return this.negotiating;
    return MAX_API_VERSION;
  }

  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return this.json<T>("GET", path, { query });
  }

  /**
   * Throws ConnectError when the daemon cannot be reached. Over a unix socket a bare connect tells (the
   * API version is then settled by the first request, see json()); elsewhere it negotiates the version.
   */
  async probe(): Promise<void> {
    if (this.version !== undefined) return;
    if (this.endpoint.socketPath !== undefined && syncUnixExchange()) {
      try {
        if (unixConnect(this.endpoint.socketPath)) return;
      } catch (e) {
        throw this.connectError((e as NodeJS.ErrnoException).code, e) ?? e;
      }
    }
    await this.apiVersion();
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.simple("GET", "/_ping", {});
      return res.status < 500;
    } catch {
      return false;
    }
  }

  /**
   * A request answered in two steps, over node:net: resolves once the status is in (a non-2xx answer
   * throws DaemonError with the daemon's message); the body follows when the daemon closes.
   */
  async early(method: string, path: string, opts: RequestOptions = {}): Promise<{ body: Promise<Buffer>; cancel(): void }> {
    const { headers, payload } = requestParts(opts);
    if (isReadable(payload)) throw new TypeError("early requests take in-memory bodies only");
    const full = opts.unversioned ? path : `/v${await this.apiVersion()}${path}`;
    let res: EarlyResponse;
    try {
      res = await exchangeEarly(this.endpoint, method, full + encodeQuery(opts.query), headers, payload);
    } catch (e) {
      throw (e instanceof WireConnectError ? this.connectError(e.code, e) : undefined) ?? e;
    }
    if (res.status >= 400) {
      const text = (await res.body.catch(() => Buffer.alloc(0))).toString("utf8");
      throw new DaemonError(errorMessage(text, res.status), res.status);
    }
    return { body: res.body, cancel: res.cancel };
  }

  /** A request with an in-memory body whose answer is read whole, over node:net (wire.ts). */
  private async simple(method: string, path: string, opts: RequestOptions): Promise<WireResponse> {
    const { headers, payload } = requestParts(opts);
    if (isReadable(payload)) throw new TypeError("simple requests take in-memory bodies only");
    try {
      return await exchange(this.endpoint, method, path + encodeQuery(opts.query), headers, payload);
    } catch (e) {
      throw (e instanceof WireConnectError ? this.connectError(e.code, e) : undefined) ?? e;
    }
  }

  /** ConnectError for a socket error that means the daemon is not there (else undefined). */
  private connectError(code: string | undefined, cause: unknown): ConnectError | undefined {
    return CONNECT_CODES.includes(code ?? "") ? new ConnectError(this.host, { cause }) : undefined;
  }

  private raw(method: string, path: string, opts: RequestOptions): Promise<IncomingMessage> {
    const qs = encodeQuery(opts.query);
    const { headers, payload } = requestParts(opts);
    return new Promise((resolve, reject) => {
      // servername "" skips the agent's TLS server-name guess (an IP-literal regexp costing ~5 ms per start).
      const reqOpts: HttpRequestOptions & { servername: string } = { ...this.endpoint, method, path: path + qs, headers, agent: false, servername: "" };
      const req = http().request(reqOpts, resolve);
      req.on("error", (e: NodeJS.ErrnoException) => reject(this.connectError(e.code, e) ?? e));
      if (payload === undefined) req.end();
      else if (typeof payload === "string" || Buffer.isBuffer(payload)) req.end(payload);
      else {
        payload.on("error", (e) => req.destroy(e));
        payload.pipe(req);
      }
    });
  }
}

/** Headers and body of a request: JSON-encodes plain values. The docker CLI sends this Host too. */
function requestParts(opts: RequestOptions): { headers: Record<string, string>; payload: Buffer | string | Readable | undefined } {
  const headers: Record<string, string> = { Host: "api.moby.localhost", "User-Agent": "berth-cli", ...opts.headers };
  const b = opts.body;
  if (b === undefined || typeof b === "string" || Buffer.isBuffer(b) || isReadable(b)) return { headers, payload: b };
  headers["Content-Type"] ??= "application/json";
  return { headers, payload: JSON.stringify(b) };
}

function isReadable(x: unknown): x is Readable {
  return typeof x === "object" && x !== null && typeof (x as { pipe?: unknown }).pipe === "function";
}


export { compareVersions };

function encodeQuery(q: Record<string, QueryValue> | undefined): string {
  if (q === undefined) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(typeof v === "boolean" ? (v ? "1" : "0") : String(v))}`);
  }
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

function errorMessage(text: string, code: number): string {
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === "string") return j.message;
  } catch {
    // not JSON
  }
  const t = text.trim();
  return t !== "" ? t : `${code} ${http().STATUS_CODES[code] ?? ""}`.trim();
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}


/** Splits a stream of newline-delimited JSON values (docker's streaming responses). */
export async function* jsonLines<T>(stream: Readable): AsyncGenerator<T> {
  let buf = "";
  for await (const c of stream) {
    buf += Buffer.isBuffer(c) ? c.toString("utf8") : String(c);
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line !== "") yield JSON.parse(line) as T;
    }
  }
  if (buf.trim() !== "") yield JSON.parse(buf) as T;
}
