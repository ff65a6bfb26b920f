/** /_ping, /version, /info, /system/df, /events. */
import type { ServerResponse } from "node:http";
import { InvalidArgumentError } from "../../errdefs/index.js";
import type { Backend } from "../backend.js";
import { parseFilters } from "../filters.js";
import { sendJson } from "../http-util.js";
import type { ApiRequest, Router } from "../router.js";
import { API_VERSION, versionAtLeast } from "../version.js";

const DF_TYPES = ["container", "image", "volume", "build-cache"];

function ping(req: ApiRequest, res: ServerResponse): Promise<void> {
  res.writeHead(200, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": "2",
    "Api-Version": API_VERSION,
    Ostype: "linux",
    "Builder-Version": "1",
    "Docker-Experimental": "false",
    Swarm: "inactive",
    "Cache-Control": "no-cache, no-store, must-revalidate",
    Pragma: "no-cache",
  });
  res.end(req.method === "HEAD" ? undefined : "OK");
  return Promise.resolve();
}

/** since/until: unix seconds (fractional, e.g. "1700000000.5") or RFC3339; relative durations ("10m") too. */
export function parseEventTime(raw: string | null, now = Date.now()): number | undefined {
  if (raw === null || raw === "") return undefined;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(raw)) return Number(raw);
  const dur = /^([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)$/.exec(raw);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    return now / 1000 - Number(dur[1]) * (mult[dur[2] ?? "s"] ?? 1);
  }
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`failed to parse value ${raw} as a time`);
  return t / 1000;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function events(backend: Backend, req: ApiRequest, res: ServerResponse): Promise<void> {
  const since = parseEventTime(req.query.get("since"));
  const until = parseEventTime(req.query.get("until"));
  if (since !== undefined && until !== undefined && until < since) {
    throw new InvalidArgumentError(`\`since\` time (${req.query.get("since") ?? ""}) cannot be after \`until\` time (${req.query.get("until") ?? ""})`);
  }
  const filters = parseFilters(req.query.get("filters"));
  const opts: { since?: number; until?: number; filters: typeof filters } = { filters };
  if (since !== undefined) opts.since = since;
  if (until !== undefined) opts.until = until;
  const it = backend.events.stream(opts, req.ctx);
  res.writeHead(200, { "Content-Type": "application/json" });
  res.flushHeaders();
  try {
    for await (const ev of it) {
      if (res.writableEnded || res.destroyed) break;
      // A reader that does not keep up is waited for; the bus cuts it off if it falls too far behind.
      if (!res.write(JSON.stringify(ev) + "\n")) await drained(res);
    }
  } catch (e) {
    if (!req.ctx.signal.aborted) throw e;
  }
  if (!res.writableEnded) res.end();
}

export function registerSystemRoutes(r: Router, backend: Backend): void {
  r.get("/_ping", ping);
  r.get("/version", async (req, res) => sendJson(res, 200, await backend.system.version(req.ctx)));
  r.get("/info", async (req, res) => sendJson(res, 200, await backend.system.info(req.ctx)));
  r.get("/system/df", async (req, res) => {
    // `type` exists since API 1.42; older clients always get everything.
    const types = versionAtLeast(req.ctx.apiVersion, "1.42") ? req.query.getAll("type") : [];
    for (const t of types) {
      if (!DF_TYPES.includes(t)) throw new InvalidArgumentError(`unknown object type: ${t}`);
    }
    sendJson(res, 200, await backend.system.df({ types }, req.ctx));
  });
  r.get("/events", (req, res) => events(backend, req, res));
}
