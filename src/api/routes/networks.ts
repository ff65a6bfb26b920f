/** /networks: list, inspect, create, remove, prune, connect/disconnect. */
import { InvalidArgumentError } from "../../errdefs/index.js";
import type { Backend, NetworksBackend } from "../backend.js";
import { parseFilters } from "../filters.js";
import { readJsonBody, sendJson, sendNoContent } from "../http-util.js";
import type { Router } from "../router.js";
import type { NetworkConnectRequest, NetworkCreateRequest } from "../types/networks.js";

export function registerNetworkRoutes(r: Router, backend: Backend): void {
  const b = backend.networks;
  if (!b) return;
  const nb: NetworksBackend = b;
  const id = "([^/]+)";
  r.get("/networks", async (req, res) => sendJson(res, 200, await nb.list(parseFilters(req.query.get("filters")), req.ctx)));
  r.post("/networks/create", async (req, res) => {
    const body = (await readJsonBody(req.raw)) as NetworkCreateRequest | undefined;
    if (body === undefined || typeof body !== "object" || Array.isArray(body)) throw new InvalidArgumentError("network name must not be empty");
    sendJson(res, 201, await nb.create(body, req.ctx));
  });
  r.post("/networks/prune", async (req, res) => sendJson(res, 200, await nb.prune(parseFilters(req.query.get("filters")), req.ctx)));
  r.get(`/networks/${id}`, async (req, res) => sendJson(res, 200, await nb.inspect(req.params[0] ?? "", req.ctx)));
  r.delete(`/networks/${id}`, async (req, res) => {
    await nb.remove(req.params[0] ?? "", req.ctx);
    sendNoContent(res);
  });
  for (const verb of ["connect", "disconnect"] as const) {
    r.post(`/networks/${id}/${verb}`, async (req, res) => {
      const body = ((await readJsonBody(req.raw)) ?? {}) as NetworkConnectRequest;
      await nb[verb](req.params[0] ?? "", body, req.ctx);
      sendJson(res, 200, {});
    });
  }
}
