/** Raw HTTP over a unix socket, for tests that send what no CLI would (malformed bodies, bad references). */
import { request } from "node:http";
import type { Readable } from "node:stream";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  timeoutMs?: number;
}

export function rawRequest(socketPath: string, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, method: req.method, path: req.path, headers: { Host: "berth", ...req.headers }, timeout: req.timeoutMs ?? 30_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(parts);
        let json: unknown;
        try {
          json = JSON.parse(body.toString("utf8"));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    r.on("timeout", () => r.destroy(new Error(`timeout: ${req.method} ${req.path}`)));
    r.on("error", reject);
    const b = req.body;
    if (b === undefined) r.end();
    else if (typeof b === "string" || Buffer.isBuffer(b)) r.end(b);
    else b.pipe(r);
  });
}

/** True when the daemon answers GET /_ping with 200 "OK". */
export async function ping(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const r = await rawRequest(socketPath, { method: "GET", path: "/_ping", timeoutMs });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** The `message` of a docker error body, or "". */
export function errorMessage(r: RawResponse): string {
  const j = r.json;
  if (j && typeof j === "object" && "message" in j && typeof j.message === "string") return j.message;
  return "";
}
