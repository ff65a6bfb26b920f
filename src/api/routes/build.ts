/**
 * POST /build (the docker CLI's legacy builder: the body is the context tar, progress is JSON lines)
 * and POST /build/prune.
 */
import { InvalidArgumentError, NotImplementedError, messageOf } from "../../errdefs/index.js";
import type { Backend, BuildBackend, BuildRequest } from "../backend.js";
import { parseFilters } from "../filters.js";
import { boolParam, JsonLines, sendJson } from "../http-util.js";
import type { Router } from "../router.js";
import { BUILD_SECRETS_HEADER, decodeBuildSecrets, withBuildSecrets } from "../../util/build-secrets.js";
import { registryConfigOf } from "./auth.js";
import type { IncomingMessage } from "node:http";
import { BERTH_CONTEXT_HEADER } from "../../util/build-context-manifest.js";

function jsonParam<T>(q: URLSearchParams, name: string, check: (v: unknown) => v is T, fallback: T): T {
  const raw = q.get(name);
  if (raw === null || raw.trim() === "") return fallback;
  let v: unknown;
  try {
    v = JSON.parse(raw) as unknown;
  } catch (e) {
    throw new InvalidArgumentError(`invalid ${name} parameter: ${messageOf(e)}`, { cause: e });
  }
  if (v === null) return fallback;
  if (!check(v)) throw new InvalidArgumentError(`invalid ${name} parameter`);
  return v;
}

const isArgMap = (v: unknown): v is Record<string, string | null> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x === "string");
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isLabelMap = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

/** The query of POST /build as the builder's options. */
export function buildRequestOf(q: URLSearchParams): BuildRequest {
  if (q.get("version") === "2") throw new NotImplementedError("BuildKit is not supported by berthd's /build: use DOCKER_BUILDKIT=0 or berth build");
  if (q.get("remote")) throw new NotImplementedError("building from a remote context is not supported");
  return {
    tags: q.getAll("t").filter((t) => t !== ""),
    dockerfile: q.get("dockerfile") || "Dockerfile",
    buildArgs: jsonParam(q, "buildargs", isArgMap, {}),
    labels: jsonParam(q, "labels", isLabelMap, {}),
    target: q.get("target") ?? "",
    noCache: boolParam(q, "nocache"),
    quiet: boolParam(q, "q"),
    networkMode: q.get("networkmode") ?? "",
    platform: q.get("platform") ?? "",
    ...(boolParam(q, "pull") ? { pull: true } : {}),
    ...cacheFromOf(q),
  };
}

/** `cachefrom`: the JSON array of image references the docker CLI sends (null or [] for none). */
function cacheFromOf(q: URLSearchParams): { cacheFrom?: string[] } {
  const refs = jsonParam(q, "cachefrom", isStringList, []).filter((r) => r !== "");
  return refs.length > 0 ? { cacheFrom: refs } : {};
}

/** The X-Berth-Build-Secrets header (base64 JSON {id: base64 bytes}); 400 when malformed. */
export function buildSecretsOf(header: string | string[] | undefined): Map<string, Buffer> {
  if (header === undefined || header === "") return new Map();
  const v = Array.isArray(header) ? header.join("") : header;
  const m = decodeBuildSecrets(v);
  if (!m) throw new InvalidArgumentError("invalid X-Berth-Build-Secrets header: want base64 of a JSON object of base64 strings");
  return m;
}

function exitCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("exitCode" in err)) return undefined;
  const c = (err as { exitCode: unknown }).exitCode;
  return typeof c === "number" && c > 0 ? c : undefined;
}

/** berth's X-Berth-Context header: the body holds only the files a checked manifest lacked (context-store.ts). */
function attachIncrementalContext(raw: IncomingMessage, bb: BuildBackend): void {
  const h = raw.headers[BERTH_CONTEXT_HEADER];
  if (h === undefined || h === "") return;
  const id = Array.isArray(h) ? h.join("") : h;
  if (!bb.contextStore) throw new InvalidArgumentError(`unknown build context manifest ${JSON.stringify(id)}: check the context again`);
  bb.contextStore.attach(id, raw);
}

export function registerBuildRoutes(r: Router, backend: Backend): void {
  const b = backend.build;
  if (!b) return;
  const bb: BuildBackend = b;
  r.post("/build", async (req, res) => {
    const opts = buildRequestOf(req.query);
    const secrets = buildSecretsOf(req.raw.headers[BUILD_SECRETS_HEADER]);
    if (secrets.size > 0) opts.secrets = secrets;
    const auths = registryConfigOf(req.raw);
    if (auths) opts.registryAuths = auths;
    attachIncrementalContext(req.raw, bb);
    const out = new JsonLines(res);
    try {
      // the builder's RUN steps find the secrets in their async context (util/build-secrets.ts)
      await withBuildSecrets(secrets, () => bb.build(req.raw, opts, out.write, req.ctx));
      out.end();
    } catch (e) {
      if (!out.started) throw e;
      const message = messageOf(e);
      const code = exitCodeOf(e);
      out.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
      out.end();
    }
  });
  r.post("/build/prune", async (req, res) => {
    const q = req.query;
    sendJson(res, 200, await bb.prune({ all: boolParam(q, "all"), filters: parseFilters(q.get("filters")) }, req.ctx));
  });
}
