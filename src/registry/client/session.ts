/**
 * Authorized, retried requests: each attempt carries the Authorization the Authorizer gives for the
 * URL's host; a 401 with a usable challenge is retried once with fresh credentials; connection errors,
 * 5xx and 429 are retried with back-off (Retry-After honoured) up to the policy's attempts, when the
 * body can be sent again. The last response is returned as is; callers map statuses to errors.
 */
import { BerthError, UnavailableError } from "../../errdefs/index.js";
import type { Authorizer } from "./auth.js";
import { backoffMs, isRetryableStatus, sleep, type RetryPolicy } from "./retry.js";
import type { HostCheck, HttpResponse, Transport } from "./transport.js";

export interface CallRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A Buffer/string is re-sent on retries; a stream disables retries. */
  body?: Buffer | string | AsyncIterable<Uint8Array>;
  signal?: AbortSignal | undefined;
  hostCheck?: HostCheck;
  /** Attempts for this call (default: the policy's). */
  attempts?: number;
  followRedirects?: boolean;
}

export function connectionError(method: string, url: string, err: unknown): UnavailableError {
  const m = method.charAt(0) + method.slice(1).toLowerCase();
  return new UnavailableError(`${m} ${JSON.stringify(url)}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

export class Session {
  constructor(
    readonly transport: Transport,
    readonly authorizer: Authorizer,
    readonly retry: RetryPolicy,
    private readonly log?: ((msg: string) => void) | undefined,
  ) {}

  async call(req: CallRequest): Promise<HttpResponse> {
    const host = new URL(req.url).host;
    const reusable = req.body === undefined || typeof req.body === "string" || Buffer.isBuffer(req.body);
    const attempts = reusable ? (req.attempts ?? this.retry.attempts) : 1;
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { ...req.headers };
      const authz = await this.authorizer.authorize(host, req.signal);
      if (authz !== undefined) headers["authorization"] = authz;
      let res: HttpResponse;
      try {
        res = await this.transport.request({
          method: req.method,
          url: req.url,
          headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          signal: req.signal,
          hostCheck: req.hostCheck ?? "strict",
          ...(req.followRedirects !== undefined ? { followRedirects: req.followRedirects } : {}),
        });
      } catch (err) {
        if (err instanceof BerthError) throw err;
        if (attempt >= attempts) throw connectionError(req.method, req.url, err);
        const d = backoffMs(this.retry, attempt);
        this.log?.(`registry: ${req.method} ${req.url} failed (${(err as Error).message}); retrying in ${Math.round(d)} ms`);
        await sleep(d, req.signal);
        continue;
      }
      if (res.status === 401 && !authRetried && reusable && this.authorizer.onUnauthorized(host, res)) {
        await res.dump();
        authRetried = true;
        attempt--;
        continue;
      }
      if (isRetryableStatus(res.status) && attempt < attempts) {
        await res.dump();
        const d = backoffMs(this.retry, attempt, res.header("retry-after"));
        this.log?.(`registry: ${req.method} ${req.url} answered ${res.status}; retrying in ${Math.round(d)} ms`);
        await sleep(d, req.signal);
        continue;
      }
      return res;
    }
  }
}
