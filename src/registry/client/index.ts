export * from "./types.js";
export { createRegistryClient } from "./client.js";
export { parseWwwAuthenticate, type Challenge } from "./www-authenticate.js";
export { schema1Message } from "./schema1.js";
export { registryErrorMessage } from "./registry-errors.js";
