/** api/: the Docker Engine API over HTTP. daemon/ passes a Backend; nothing here knows the engine. */
export { createApiServer, buildRouter, type ApiServer, type ApiServerOptions } from "./server.js";
export { Router, type ApiRequest, type Handler, type UpgradeHandler, type Route } from "./router.js";
export { statusOfKind, httpStatusOf, errorBody } from "./errors.js";
export { parseFilters } from "./filters.js";
export { API_VERSION, MIN_API_VERSION, compareVersions, versionAtLeast, splitVersion } from "./version.js";
export { registryHostOf } from "./routes/images.js";
export { parseEventTime } from "./routes/system.js";
export type * from "./backend.js";
