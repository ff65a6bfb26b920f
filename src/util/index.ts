export * from "./atomic.js";
export * from "./ids.js";
export * from "./kmutex.js";
export * from "./log.js";
export * from "./version.js";
export * from "./buffer-pool.js";
