export * from "./images.js";
export * from "./system.js";
export * from "./containers.js";
