/**
 * Pull/push requests as docker's client sends them: X-Registry-Auth from config.json, and on a 401
 * answer (with stdin a terminal) docker's "Login prior to <cmd>:" prompt and one retry.
 */
import type { IncomingMessage } from "node:http";
import type { CliContext } from "../context.js";
import type { EngineClient, QueryValue } from "../../client/engine-client.js";
import { encodeAuthConfig } from "./auth-config.js";
import { authForDomain, loadCliConfig } from "./cli-config.js";
import { getAuthConfig } from "./credential-store.js";
import { convertToHostname, authConfigKey, INDEX_SERVER } from "./server-address.js";
import { LineReader, promptUserForCredentials } from "./prompt-credentials.js";

export async function registryRequest(
  ctx: CliContext,
  client: EngineClient,
  path: string,
  query: Record<string, QueryValue>,
  domain: string,
  cmdName: "pull" | "push",
): Promise<IncomingMessage> {
  const cfg = loadCliConfig(ctx);
  const auth = encodeAuthConfig(authForDomain(cfg, domain));
  try {
    return await client.request("POST", path, { query, headers: { "X-Registry-Auth": auth } });
  } catch (e) {
    const unauthorized = e instanceof Error && e.name === "DaemonError" && (e as Error & { statusCode?: number }).statusCode === 401;
    if (!unauthorized || ctx.stdin.isTTY !== true) throw e;
  }
  // RegistryAuthenticationPrivilegedFunc
  const key = authConfigKey(domain);
  ctx.out(`\nLogin prior to ${cmdName}:\n`);
  let username = "";
  try {
    username = getAuthConfig(cfg, key === INDEX_SERVER ? key : convertToHostname(key)).username ?? "";
  } catch (err) {
    ctx.err(`Unable to retrieve stored credentials for ${INDEX_SERVER}, error: ${(err as Error).message}.\n`);
  }
  const fresh = await promptUserForCredentials(ctx, new LineReader(ctx.stdin), "", "", username, INDEX_SERVER);
  return client.request("POST", path, { query, headers: { "X-Registry-Auth": encodeAuthConfig(fresh) } });
}
