/** The CLI's view of config.json: load it once per command, and build the X-Registry-* headers. */
import type { CliContext } from "../context.js";
import { encodeAuthConfig, goEscape, toBase64Url, authConfigJSON, type AuthConfig } from "./auth-config.js";
import { configDir, emptyConfig, loadConfigFile, CONFIG_FILE_NAME, type ConfigFile } from "./config-file.js";
import { getAllCredentials, getAuthConfig } from "./credential-store.js";
import { authConfigKey } from "./server-address.js";
import { join } from "node:path";

/** LoadDefaultConfigFile: an unreadable file gives docker's warning on stderr and an empty config. */
export function loadCliConfig(ctx: Pick<CliContext, "globals" | "err">): ConfigFile {
  const dir = configDir(ctx.globals.config);
  try {
    return loadConfigFile(dir);
  } catch (e) {
    ctx.err(`WARNING: Error loading config file: ${(e as Error).message}\n`);
    return emptyConfig(join(dir, CONFIG_FILE_NAME));
  }
}

/** The stored credentials for an image's registry domain ({} when none or when the helper fails). */
export function authForDomain(cfg: ConfigFile, domain: string): AuthConfig {
  try {
    return getAuthConfig(cfg, authConfigKey(domain));
  } catch {
    return {};
  }
}

/**
 * X-Registry-Auth for a registry domain ("docker.io", "localhost:5000"): "e30=" when anonymous.
 * A failing credential helper is an error here (docker's RetrieveAuthTokenFromImage, used by create/run).
 */
export function registryAuthHeader(ctx: Pick<CliContext, "globals" | "err">, domain: string): string {
  return encodeAuthConfig(getAuthConfig(loadCliConfig(ctx), authConfigKey(domain)));
}

/** X-Registry-Config (legacy build): base64url of {key: AuthConfig} for every stored credential. */
export function registryConfigHeader(ctx: Pick<CliContext, "globals" | "err">): string {
  let all: Map<string, AuthConfig>;
  try {
    all = getAllCredentials(loadCliConfig(ctx));
  } catch {
    all = new Map();
  }
  const parts = [...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, a]) => `${goEscape(JSON.stringify(k))}:${authConfigJSON(a)}`);
  return toBase64Url(`{${parts.join(",")}}`);
}
