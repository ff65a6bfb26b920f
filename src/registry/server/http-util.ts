import type { IncomingMessage, ServerResponse } from "node:http";
import type { Authenticator, Grant } from "./auth.js";
import { RegistryError } from "./errors.js";
import type { RegistryStore } from "./registry-store.js";
import type { Uploads } from "./uploads.js";

/** Everything a handler gets. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request path as sent (never dot-normalized) and its query. */
  url: { pathname: string; searchParams: URLSearchParams };
  store: RegistryStore;
  uploads: Uploads;
  auth: Authenticator;
  grant: Grant;
}

export function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: string | Buffer): void {
  const b = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, "Content-Length": b?.length ?? 0 });
  res.end(b);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | number> = {}): void {
  send(res, status, { "Content-Type": "application/json", ...headers }, JSON.stringify(value));
}

/** Reads a whole (small) body; more than `limit` bytes → `tooBig`. */
export async function readBody(req: IncomingMessage, limit: number, tooBig: () => RegistryError): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limit) throw tooBig();
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw tooBig();
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** `n` of a paginated list: undefined when absent, else a non-negative integer (PAGINATION_NUMBER_INVALID). */
export function pageSize(url: { searchParams: URLSearchParams }): number | undefined {
  const v = url.searchParams.get("n");
  if (v === null || v === "") return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new RegistryError("PAGINATION_NUMBER_INVALID", { n: v });
  return Number(v);
}

/** The Content-Length a request declares, if any. */
export function contentLength(req: IncomingMessage): number | undefined {
  const v = req.headers["content-length"];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new RegistryError("SIZE_INVALID", { "content-length": v });
  return Number(v);
}
