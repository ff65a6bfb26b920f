export * from "./images.js";
export * from "./system.js";
export * from "./containers.js";
export * from "./volumes.js";
export * from "./networks.js";
