/**
 * docker's credential stores over a config file: a helper (credHelpers[key], else credsStore) or the
 * file itself (`auths`). Mirrors cli/config/credentials' fileStore and nativeStore.
 */
import type { AuthConfig } from "./auth-config.js";
import { saveConfigFile, type ConfigFile } from "./config-file.js";
import { convertToHostname } from "./server-address.js";
import { helperErase, helperGet, helperList, helperStore } from "./credential-helper.js";

/** Helpers store identity tokens under this user name. */
const TOKEN_USERNAME = "<token>";

export const UNENCRYPTED_WARNING = (file: string): string =>
  `\nWARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`;

/** The helper name for a key ("" = the file store). */
export function helperFor(cfg: ConfigFile, key: string): string {
  if (key !== "" && Object.hasOwn(cfg.credHelpers, key)) return cfg.credHelpers[key] ?? "";
  return cfg.credsStore ?? "";
}

function fileGet(cfg: ConfigFile, key: string): AuthConfig {
  const a = cfg.auths.get(key);
  if (a !== undefined) return { ...a };
  // legacy keys ("https://host/v1/") match their host name
  for (const [k, v] of cfg.auths) if (convertToHostname(k) === key) return { ...v };
  return {};
}

/** GetAuthConfig: the credentials for a key, {} when none. Helper failures throw. */
export function getAuthConfig(cfg: ConfigFile, key: string): AuthConfig {
  const helper = helperFor(cfg, key);
  if (helper === "") return fileGet(cfg, key);
  const auth = fileGet(cfg, key);
  const c = helperGet(helper, key);
  delete auth.username;
  delete auth.password;
  delete auth.identitytoken;
  delete auth.serveraddress;
  if (c === undefined) return auth;
  if (c.Username === TOKEN_USERNAME) auth.identitytoken = c.Secret;
  else {
    auth.username = c.Username;
    auth.password = c.Secret;
  }
  auth.serveraddress = key;
  return auth;
}

function same(a: AuthConfig | undefined, b: AuthConfig): boolean {
  if (a === undefined) return false;
  const ks = ["username", "password", "email", "serveraddress", "identitytoken", "registrytoken"] as const;
  return ks.every((k) => (a[k] ?? "") === (b[k] ?? ""));
}

/**
 * Store: saves the credentials under auth.serveraddress. The file store writes config.json (only if
 * changed) and calls `warn` with docker's "stored unencrypted" text when a password was written.
 */
export function storeAuthConfig(cfg: ConfigFile, auth: AuthConfig, warn?: (text: string) => void): void {
  const key = auth.serveraddress ?? "";
  const helper = helperFor(cfg, key);
  if (helper !== "") {
    const token = auth.identitytoken ?? "";
    helperStore(helper, { ServerURL: key, Username: token !== "" ? TOKEN_USERNAME : (auth.username ?? ""), Secret: token !== "" ? token : (auth.password ?? "") });
    // the file keeps only what helpers do not (the e-mail)
    const rest: AuthConfig = { ...auth };
    delete rest.username;
    delete rest.password;
    delete rest.identitytoken;
    fileStore(cfg, rest);
    return;
  }
  if (fileStore(cfg, auth) && (auth.password ?? "") !== "") warn?.(UNENCRYPTED_WARNING(cfg.filename));
}

function fileStore(cfg: ConfigFile, auth: AuthConfig): boolean {
  const key = auth.serveraddress ?? "";
  if (same(cfg.auths.get(key), auth)) return false;
  cfg.auths.set(key, { ...auth });
  saveConfigFile(cfg);
  return true;
}

/** Erase: removes the key's credentials (a no-op in the file when there are none). */
export function eraseAuthConfig(cfg: ConfigFile, key: string): void {
  const helper = helperFor(cfg, key);
  if (helper !== "") helperErase(helper, key);
  if (!cfg.auths.has(key)) return;
  cfg.auths.delete(key);
  saveConfigFile(cfg);
}

/** GetAllCredentials: every stored credential (the default store, then per-registry helpers). */
export function getAllCredentials(cfg: ConfigFile): Map<string, AuthConfig> {
  const out = new Map<string, AuthConfig>();
  if (cfg.credsStore === undefined) for (const [k, v] of cfg.auths) out.set(k, { ...v });
  else {
    for (const k of Object.keys(helperList(cfg.credsStore))) {
      const c = helperGet(cfg.credsStore, k);
      const a: AuthConfig = { ...(cfg.auths.get(k) ?? {}) };
      if (c !== undefined) {
        if (c.Username === TOKEN_USERNAME) a.identitytoken = c.Secret;
        else {
          a.username = c.Username;
          a.password = c.Secret;
        }
        a.serveraddress ??= c.ServerURL;
      }
      out.set(k, a);
    }
  }
  for (const k of Object.keys(cfg.credHelpers)) {
    try {
      out.set(k, getAuthConfig(cfg, k));
    } catch {
      // docker logs a warning and goes on
    }
  }
  return out;
}
