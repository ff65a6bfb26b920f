/**
 * One HTTP exchange with a registry (or mirror, token realm, blob storage) over undici: a pooled
 * keep-alive Agent per origin with that host's TLS material (certs.d), a ProxyAgent when a proxy
 * applies, the allowed-registries check before any connection, redirects followed (Authorization
 * dropped when the origin changes), and docker's insecure-registry rule: HTTPS without verification
 * first, then plain HTTP when HTTPS fails (remembered per host once HTTP works).
 */
import { Readable } from "node:stream";
import { Agent, ProxyAgent, request, type Dispatcher } from "undici";
import { CanceledError, ForbiddenError } from "../../errdefs/index.js";
import { isInsecure, isLoopback } from "./endpoints.js";
import { proxyFor, type ProxySettings } from "./proxy.js";
import { loadTlsMaterial } from "./tls.js";

export type Body = Buffer | string | AsyncIterable<Uint8Array>;

/**
 * Which allowed() rule applies to the first hop: "strict" (the registry or a mirror: allowed(host)
 * must be true), "loose" (token realms and redirect targets: allowed(host) or loopback).
 */
export type HostCheck = "strict" | "loose";

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Body;
  signal?: AbortSignal | undefined;
  hostCheck?: HostCheck;
  /** Follow 3xx Location answers (default true). */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  /** The URL that answered (after redirects and the http fallback). */
  url: string;
  header(name: string): string | undefined;
  headerAll(name: string): string[];
  body: Dispatcher.ResponseData["body"];
  text(): Promise<string>;
  dump(): Promise<void>;
}

export interface TransportOptions {
  allowed: (host: string) => boolean;
  insecureRegistries: readonly string[];
  certsDirs: readonly string[];
  proxy: ProxySettings;
  userAgent: string;
  stallTimeoutMs: number;
  log?: ((msg: string) => void) | undefined;
}

export function notAllowed(host: string): ForbiddenError {
  return new ForbiddenError(`registry ${host} is not allowed by this daemon's allowed-registries setting`);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Transport {
  private readonly agents = new Map<string, Dispatcher>();
  /** Insecure hosts found to speak plain HTTP. */
  private readonly httpHosts = new Set<string>();

  constructor(private readonly opts: TransportOptions) {}

  checkHost(host: string, check: HostCheck): void {
    if (this.opts.allowed(host)) return;
    if (check === "loose" && isLoopback(host)) return;
    throw notAllowed(host);
  }

  private dispatcher(url: URL): Dispatcher {
    const https = url.protocol === "https:";
    const proxy = proxyFor(url, this.opts.proxy);
    const key = `${url.protocol}//${url.host}|${proxy ?? ""}`;
    let d = this.agents.get(key);
    if (d !== undefined) return d;
    const tlsOpts: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string } = {};
    if (https) {
      const m = loadTlsMaterial(this.opts.certsDirs, url.host);
      if (m.ca) tlsOpts.ca = m.ca;
      if (m.cert !== undefined && m.key !== undefined) {
        tlsOpts.cert = m.cert;
        tlsOpts.key = m.key;
      }
      if (isInsecure(url.host, this.opts.insecureRegistries)) tlsOpts.rejectUnauthorized = false;
    }
    const timeouts = { headersTimeout: this.opts.stallTimeoutMs, bodyTimeout: this.opts.stallTimeoutMs };
    d = proxy ? new ProxyAgent({ uri: proxy, requestTls: tlsOpts, ...timeouts }) : new Agent({ connect: tlsOpts, ...timeouts });
    this.agents.set(key, d);
    return d;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = new URL(req.url);
    let method = req.method;
    let headers: Record<string, string> = { "user-agent": this.opts.userAgent, ...req.headers };
    let body = req.body;
    let check: HostCheck = req.hostCheck ?? "strict";
    for (let hop = 0; ; hop++) {
      if (url.protocol === "https:" && this.httpHosts.has(url.host)) url.protocol = "http:";
      this.checkHost(url.host, check);
      const res = await this.once(method, url, headers, body, req.signal);
      const location = res.header("location");
      if (req.followRedirects === false || !REDIRECTS.has(res.status) || location === undefined || hop >= 10) return res;
      if (body !== undefined && typeof body !== "string" && !Buffer.isBuffer(body) && res.status !== 303) return res;
      await res.dump();
      const next = new URL(location, res.url);
      this.opts.log?.(`registry: ${method} ${url.href} redirected to ${next.origin}${next.pathname}`);
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== "authorization"));
      }
      if (res.status === 303) {
        method = "GET";
        body = undefined;
      }
      url = next;
      check = "loose";
    }
  }

  private async once(method: string, url: URL, headers: Record<string, string>, body: Body | undefined, signal: AbortSignal | undefined): Promise<HttpResponse> {
    try {
      return await this.raw(method, url, headers, body, signal);
    } catch (err) {
      if (signal?.aborted) throw new CanceledError(undefined, { cause: err });
      const reusable = body === undefined || typeof body === "string" || Buffer.isBuffer(body);
      if (url.protocol !== "https:" || !reusable || !isInsecure(url.host, this.opts.insecureRegistries)) throw err;
      const plain = new URL(url.href);
      plain.protocol = "http:";
      this.opts.log?.(`registry: https to insecure ${url.host} failed (${(err as Error).message}); trying http`);
      const res = await this.raw(method, plain, headers, body, signal).catch((e2: unknown) => {
        throw new AggregateError([err, e2], (err as Error).message, { cause: err });
      });
      if (res.status === 400) {
        // Typically "Client sent an HTTP request to an HTTPS server": the TLS error is the real story.
        await res.dump();
        throw err;
      }
      this.httpHosts.add(url.host);
      return res;
    }
  }

  private async raw(method: string, url: URL, headers: Record<string, string>, body: Body | undefined, signal: AbortSignal | undefined): Promise<HttpResponse> {
    const b = body === undefined || typeof body === "string" || Buffer.isBuffer(body) ? body : Readable.from(body, { objectMode: false });
    const r = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: b ?? null,
      dispatcher: this.dispatcher(url),
      ...(signal ? { signal } : {}),
    });
    const h = r.headers;
    const all = (name: string): string[] => {
      const v = h[name.toLowerCase()];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    };
    return {
      status: r.statusCode,
      url: url.href,
      header: (name) => all(name)[0],
      headerAll: all,
      body: r.body,
      text: () => readText(r.body),
      dump: async () => {
        await r.body.dump().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    const ds = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(ds.map((d) => d.close().catch(() => undefined)));
  }
}

/** Error bodies are small; a larger one is cut here. */
const MAX_TEXT = 1024 * 1024;

/**
 * The body as text, read by iteration: undici's own text() never settles (and throws out of a
 * microtask) when the body has already ended, e.g. after dump() or on a HEAD answer. Empty then.
 */
async function readText(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const st = body as unknown as { readableEnded?: boolean; destroyed?: boolean };
  if (st.readableEnded === true || st.destroyed === true) return "";
  const parts: Buffer[] = [];
  let len = 0;
  for await (const c of body) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
    if (len < MAX_TEXT) parts.push(b.subarray(0, MAX_TEXT - len));
    len += b.length;
  }
  return Buffer.concat(parts).toString("utf8");
}
