/**
 * registry/server: berth's OCI Distribution registry (`berth registry serve|gc`), see docs/registry.md.
 * The CLI loads main.ts lazily; programs and tests use these.
 */
export { RegistryServer, type RegistryServerOptions } from "./server.js";
export { collectGarbage, type GcOptions, type GcResult } from "./gc.js";
export { registryMain } from "./main.js";
export { BasicAuthenticator, TokenAuthenticator, noAuth, type Access, type Authenticator, type Grant } from "./auth.js";
export { Htpasswd } from "./htpasswd.js";
export { keysFromPem, verifyToken, type TokenPolicy } from "./jwt.js";
