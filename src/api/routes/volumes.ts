/** /volumes/...: list, create, inspect, remove, prune. */
import { InvalidArgumentError } from "../../errdefs/index.js";
import type { Backend, VolumesBackend } from "../backend.js";
import { parseFilters } from "../filters.js";
import { boolParam, readJsonBody, sendJson, sendNoContent } from "../http-util.js";
import type { Router } from "../router.js";
import type { VolumeCreateRequest } from "../types/index.js";

export function registerVolumeRoutes(r: Router, backend: Backend): void {
  const v = backend.volumes;
  if (!v) return;
  const vs: VolumesBackend = v;
  const name = "([^/]+)";

  r.get("/volumes", async (req, res) => {
    sendJson(res, 200, await vs.list({ filters: parseFilters(req.query.get("filters")) }, req.ctx));
  });
  r.post("/volumes/create", async (req, res) => {
    const body = ((await readJsonBody(req.raw)) ?? {}) as VolumeCreateRequest;
    if (typeof body !== "object" || Array.isArray(body)) throw new InvalidArgumentError("invalid volume create request");
    sendJson(res, 201, await vs.create(body, req.ctx));
  });
  r.post("/volumes/prune", async (req, res) => {
    sendJson(res, 200, await vs.prune({ filters: parseFilters(req.query.get("filters")) }, req.ctx));
  });
  r.get(`/volumes/${name}`, async (req, res) => {
    sendJson(res, 200, await vs.inspect(req.params[0] ?? "", req.ctx));
  });
  r.delete(`/volumes/${name}`, async (req, res) => {
    await vs.remove(req.params[0] ?? "", { force: boolParam(req.query, "force") }, req.ctx);
    sendNoContent(res);
  });
}
