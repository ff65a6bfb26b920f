/**
 * ADD <http(s) URL>: the file is downloaded by the daemon into a temp dir (never into the context),
 * verified against `--checksum` when given, and added with mode 0600 and the server's Last-Modified
 * time, as docker does. Redirects are followed (at most 10); a transfer that stalls for a minute fails.
 */
import { createHash } from "../../util/crypto.js";
import { createWriteStream } from "node:fs";
import { chmod, utimes } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { InvalidArgumentError, UnavailableError } from "../../errdefs/index.js";

const MAX_REDIRECTS = 10;
const STALL_MS = 60_000;

export function isHttpSource(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** The file name docker gives a URL's download: the last path segment. */
export function urlFileName(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InvalidArgumentError(`invalid URL in ADD: ${raw}`);
  }
  const base = path.posix.basename(decodeURIComponent(u.pathname));
  if (base === "" || base === "/" || base === "." || base === "..") throw new InvalidArgumentError(`cannot determine filename from url: ${raw}`);
  return base;
}

async function get(url: URL, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  const mod = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { signal, headers: { "User-Agent": "berth-builder" } }, resolve);
    req.on("error", reject);
    req.setTimeout(STALL_MS, () => req.destroy(new UnavailableError(`ADD ${url.href}: no answer for ${STALL_MS / 1000} s`)));
  });
}

/**
 * Downloads `raw` into `dir` under its file name; returns the path. `checksum` ("sha256:<hex>") must
 * match the bytes, else nothing is kept and the error names both digests.
 */
export async function downloadUrl(raw: string, dir: string, opts: { checksum?: string; signal?: AbortSignal } = {}): Promise<{ host: string; name: string }> {
  const name = urlFileName(raw);
  if (opts.checksum && !/^sha256:[a-f0-9]{64}$/.test(opts.checksum)) throw new InvalidArgumentError(`invalid checksum digest format: ${opts.checksum}`);
  let url = new URL(raw);
  let res: IncomingMessage | undefined;
  for (let i = 0; ; i++) {
    res = await get(url, opts.signal);
    const status = res.statusCode ?? 0;
    const loc = res.headers.location;
    if (status >= 300 && status < 400 && loc !== undefined) {
      res.resume();
      if (i >= MAX_REDIRECTS) throw new UnavailableError(`ADD ${raw}: stopped after ${MAX_REDIRECTS} redirects`);
      url = new URL(loc, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new InvalidArgumentError(`failed to GET ${raw} with status ${status} ${res.statusMessage ?? ""}`.trimEnd());
    }
    break;
  }
  const host = path.join(dir, name);
  const hash = createHash("sha256");
  res.on("data", (c: Buffer) => hash.update(c));
  res.setTimeout(STALL_MS, () => res?.destroy(new UnavailableError(`ADD ${raw}: the download stalled`)));
  await pipeline(res, createWriteStream(host, { mode: 0o600 }));
  const got = `sha256:${hash.digest("hex")}`;
  if (opts.checksum && got !== opts.checksum) throw new InvalidArgumentError(`ADD ${raw}: checksum mismatch: expected ${opts.checksum}, got ${got}`);
  await chmod(host, 0o600);
  const lm = res.headers["last-modified"];
  const t = lm ? Date.parse(lm) : NaN;
  if (Number.isFinite(t)) await utimes(host, t / 1000, t / 1000);
  return { host, name };
}
