export * from "./media-types.js";
export * from "./types.js";
export * from "./digest.js";
export * from "./reference.js";
