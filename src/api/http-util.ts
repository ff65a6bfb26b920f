/** Response helpers shared by routes: JSON bodies, query parsing, JSON-lines streams. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidArgumentError, messageOf } from "../errdefs/index.js";
import type { JSONMessage } from "./types/index.js";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body) + "\n";
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

/** docker's BoolValue: absent, "", "0", "no", "false", "none" are false; anything else true. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !["", "0", "no", "false", "none"].includes(v.trim().toLowerCase());
}

/** docker's BoolValueOrDefault: `def` when the parameter is absent or empty, else BoolValue. */
export function boolParamOr(q: URLSearchParams, name: string, def: boolean): boolean {
  const v = q.get(name);
  if (v === null || v === "") return def;
  return boolParam(q, name);
}

export async function readJsonBody(req: IncomingMessage, limit = 1 << 20): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) throw new InvalidArgumentError("request body too large");
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InvalidArgumentError(`invalid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * A JSON-lines response (pull/load/import progress). Headers go out with the first line; if the
 * operation fails after that, the error becomes a final `{"errorDetail":…,"error":…}` line.
 */
export class JsonLines {
  constructor(private readonly res: ServerResponse, private readonly contentType = "application/json") {}

  get started(): boolean {
    return this.res.headersSent;
  }

  private start(): void {
    if (!this.res.headersSent) this.res.writeHead(200, { "Content-Type": this.contentType });
  }

  write = (msg: JSONMessage | object): void => {
    this.start();
    if (!this.res.writableEnded) this.res.write(JSON.stringify(msg) + "\n");
  };

  fail(err: unknown): void {
    const message = messageOf(err);
    this.write({ errorDetail: { message }, error: message });
    this.end();
  }

  end(): void {
    this.start();
    if (!this.res.writableEnded) this.res.end();
  }
}
