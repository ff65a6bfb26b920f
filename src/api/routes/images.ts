/** /images/...: list, inspect, history, tag, rmi, import, save, load, prune. */
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { ForbiddenError, InvalidArgumentError, NotImplementedError } from "../../errdefs/index.js";
import type { Backend } from "../backend.js";
import type { JSONMessage } from "../types/index.js";
import { parseFilters } from "../filters.js";
import { parseNormalizedNamed, validateTag } from "../../oci/index.js";
import { boolParam, boolParamOr, JsonLines, sendJson } from "../http-util.js";
import type { ApiRequest, Router } from "../router.js";
import { registryAuthOf } from "./auth.js";

export interface ImageRouteOptions {
  /** Whether a registry host may be contacted (allowed-registries), checked before pull and push. */
  registryAllowed?: (host: string) => boolean;
}

/** The registry host of a reference as docker normalises it ("busybox" → docker.io). */
export function registryHostOf(ref: string): string {
  const slash = ref.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = ref.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost") return first === "index.docker.io" ? "docker.io" : first;
  return "docker.io";
}

async function create(backend: Backend, opts: ImageRouteOptions, req: ApiRequest, res: ServerResponse): Promise<void> {
  const q = req.query;
  const fromImage = q.get("fromImage");
  const fromSrc = q.get("fromSrc");
  if (fromImage !== null && fromImage !== "") {
    parseNormalizedNamed(fromImage); // invalid reference format → 400 before anything else
    const pullTag = q.get("tag");
    if (pullTag && !pullTag.startsWith("sha256:")) validateTag(pullTag);
    const host = registryHostOf(fromImage);
    if (opts.registryAllowed && !opts.registryAllowed(host)) {
      throw new ForbiddenError(`registry ${host} is not allowed by this daemon's allowed-registries setting`);
    }
    const pull = backend.images.pull?.bind(backend.images);
    if (!pull) throw new NotImplementedError(`pulling images is not available on this daemon (requested ${fromImage})`);
    const auth = registryAuthOf(req.raw);
    const platform = q.get("platform");
    const out = new JsonLines(res);
    try {
      await pull(
        { name: fromImage, ...(pullTag ? { tag: pullTag } : {}), ...(platform ? { platform } : {}), ...(auth ? { auth } : {}) },
        out.write,
        req.ctx,
      );
      out.end();
    } catch (e) {
      if (!out.started) throw e;
      out.fail(e);
    }
    return;
  }
  if (fromSrc !== "-") {
    if (fromSrc) throw new NotImplementedError("importing from a URL is not supported; use fromSrc=- with a request body");
    throw new InvalidArgumentError("fromImage or fromSrc=- is required");
  }
  const importOpts: { repo?: string; tag?: string; changes: string[]; message?: string; platform?: string } = { changes: q.getAll("changes") };
  const repo = q.get("repo");
  const tag = q.get("tag");
  const message = q.get("message");
  const platform = q.get("platform");
  if (repo) importOpts.repo = repo;
  if (tag) importOpts.tag = tag;
  if (message) importOpts.message = message;
  if (platform) importOpts.platform = platform;
  const out = new JsonLines(res);
  const statuses = new Set<string>();
  const progress = (msg: JSONMessage): void => {
    if (msg.status !== undefined) statuses.add(msg.status);
    out.write(msg);
  };
  try {
    const id = await backend.images.import(req.raw, importOpts, progress, req.ctx);
    // docker's last line is {"status":"<id>"}; written here unless the backend already did.
    if (!statuses.has(id)) out.write({ status: id });
    out.end();
  } catch (e) {
    if (!out.started) throw e;
    out.fail(e);
  }
}

async function load(backend: Backend, req: ApiRequest, res: ServerResponse): Promise<void> {
  const out = new JsonLines(res);
  try {
    await backend.images.load(req.raw, { quiet: boolParamOr(req.query, "quiet", true) }, out.write, req.ctx);
    out.end();
  } catch (e) {
    if (!out.started) throw e;
    out.fail(e);
  }
}

async function save(backend: Backend, names: string[], req: ApiRequest, res: ServerResponse): Promise<void> {
  if (names.length === 0) throw new InvalidArgumentError("no image names given");
  const tar = await backend.images.save(names, req.ctx);
  res.writeHead(200, { "Content-Type": "application/x-tar" });
  try {
    await pipeline(tar, res);
  } catch (e) {
    // Headers are out: the client sees a truncated tar. Nothing more can be said on this response.
    res.destroy(e instanceof Error ? e : undefined);
  }
}

export function registerImageRoutes(r: Router, backend: Backend, opts: ImageRouteOptions = {}): void {
  const im = backend.images;
  r.get("/images/json", async (req, res) => {
    const q = req.query;
    const filters = parseFilters(q.get("filters"));
    const legacy = q.get("filter");
    if (legacy) filters["reference"] = [...(filters["reference"] ?? []), legacy];
    const list = await im.list({ all: boolParam(q, "all"), filters, digests: boolParam(q, "digests"), sharedSize: boolParam(q, "shared-size") }, req.ctx);
    sendJson(res, 200, list);
  });
  r.post("/images/create", (req, res) => create(backend, opts, req, res));
  r.post("/images/load", (req, res) => load(backend, req, res));
  r.post("/images/prune", async (req, res) => sendJson(res, 200, await im.prune({ filters: parseFilters(req.query.get("filters")) }, req.ctx)));
  r.get("/images/get", (req, res) => save(backend, req.query.getAll("names").filter((n) => n !== ""), req, res));
  r.get("/images/(.+)/get", (req, res) => save(backend, [req.params[0] ?? ""], req, res));
  r.get("/images/(.+)/json", async (req, res) => sendJson(res, 200, await im.inspect(req.params[0] ?? "", req.ctx)));
  r.get("/images/(.+)/history", async (req, res) => sendJson(res, 200, await im.history(req.params[0] ?? "", req.ctx)));
  r.post("/images/(.+)/tag", async (req, res) => {
    const repo = req.query.get("repo");
    if (!repo) throw new InvalidArgumentError("repository name must have at least one component");
    const tag = req.query.get("tag");
    await im.tag(req.params[0] ?? "", repo, tag || undefined, req.ctx);
    res.writeHead(201, { "Content-Length": "0" });
    res.end();
  });
  r.post("/images/(.+)/push", async (req, res) => {
    const name = req.params[0] ?? "";
    parseNormalizedNamed(name); // invalid reference format → 400
    const host = registryHostOf(name);
    if (opts.registryAllowed && !opts.registryAllowed(host)) {
      throw new ForbiddenError(`registry ${host} is not allowed by this daemon's allowed-registries setting`);
    }
    const push = im.push?.bind(im);
    if (!push) throw new NotImplementedError(`pushing images is not available on this daemon (requested ${name})`);
    const tag = req.query.get("tag");
    const auth = registryAuthOf(req.raw);
    const out = new JsonLines(res);
    try {
      await push({ name, ...(tag ? { tag } : {}), ...(auth ? { auth } : {}) }, out.write, req.ctx);
      out.end();
    } catch (e) {
      if (!out.started) throw e;
      out.fail(e);
    }
  });
  r.delete("/images/(.+)", async (req, res) => {
    const items = await im.remove(req.params[0] ?? "", { force: boolParam(req.query, "force"), noprune: boolParam(req.query, "noprune") }, req.ctx);
    sendJson(res, 200, items);
  });
}
