/** builder/ — Dockerfile → image (docker's classic builder behind POST /build). */
export { Builder, neededStages, type BuildOptions, type BuildPruneResult } from "./builder.js";
export { BuildCache, cacheKeyOf, type BuildCacheRow } from "./build-cache.js";
export type { BuilderDeps } from "./build-state.js";
export { BuildRunError, type BuildMessage, type BuildProgress } from "./build-output.js";
