/**
 * POST /berth/build-context/check (berth only): takes the manifest of a build context (JSON,
 * context-manifest.ts), answers `{"Id": …, "Missing": [sha256 hex…]}`; the berth CLI then sends
 * POST /build with `X-Berth-Context: <Id>` and a tar of only the missing files. Not registered when
 * the daemon has no context store, so a client sees 404 and sends a full tar.
 */
import { CONTEXT_CHECK_PATH, MAX_MANIFEST_BYTES, parseContextManifest } from "../../util/build-context-manifest.js";
import type { Backend } from "../backend.js";
import { readJsonBody, sendJson } from "../http-util.js";
import type { Router } from "../router.js";

export function registerBuildContextRoutes(r: Router, backend: Backend): void {
  const store = backend.build?.contextStore;
  if (!store) return;
  r.post(CONTEXT_CHECK_PATH, async (req, res) => {
    const manifest = parseContextManifest(await readJsonBody(req.raw, MAX_MANIFEST_BYTES));
    sendJson(res, 200, store.check(manifest));
  });
}
