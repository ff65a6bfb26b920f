/**
 * `berth login`: docker's runLogin. Tries stored credentials first, else takes -u/-p/--password-stdin
 * or prompts (on a terminal), POSTs /auth, and stores the result (identity token instead of the
 * password when the daemon returns one) in config.json or the configured credential helper.
 */
import type { CliContext } from "../context.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import { bool, str } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { StatusError } from "../cli-error.js";
import { authConfigJSON, type AuthConfig } from "../registry-auth/auth-config.js";
import { loadCliConfig } from "../registry-auth/cli-config.js";
import type { ConfigFile } from "../registry-auth/config-file.js";
import { getAuthConfig, storeAuthConfig } from "../registry-auth/credential-store.js";
import { convertToHostname, DEFAULT_NAMESPACE, INDEX_SERVER } from "../registry-auth/server-address.js";
import { LineReader, printNote, promptUserForCredentials } from "../registry-auth/prompt-credentials.js";
import { readAll } from "../../client/engine-client.js";

export const flags: FlagSpec[] = [
  { long: "password", short: "p", type: "string", valueName: "string", usage: "Password or Personal Access Token (PAT)" },
  { long: "password-stdin", type: "bool", usage: "Take the Password or Personal Access Token (PAT) from stdin" },
  { long: "username", short: "u", type: "string", valueName: "string", usage: "Username" },
];
export const args: ArgRule = { kind: "max", n: 1 };

interface AuthenticateOK {
  Status?: string;
  IdentityToken?: string;
}

const fail = (msg: string): StatusError => new StatusError(msg, 1);

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const userFlag = str(f, "username");
  const passFlag = str(f, "password");
  const passwordStdin = bool(f, "password-stdin");
  // verifyLoginFlags
  if (passwordStdin) {
    if (passFlag !== undefined) throw fail("conflicting options: cannot specify both --password and --password-stdin");
    if (userFlag === undefined) throw fail("the --password-stdin option requires --username to be set");
  }
  if (userFlag !== undefined && userFlag === "") throw fail("username is empty");
  if (passFlag !== undefined && passFlag === "") throw fail("password is empty");
  const user = userFlag ?? "";
  let password = passFlag ?? "";
  // verifyLoginOptions
  if (password !== "") ctx.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  if (passwordStdin) {
    if (user === "") throw fail("username is empty");
    password = (await readAll(ctx.stdin)).toString("utf8").replace(/\n$/, "").replace(/\r$/, "");
  }
  const arg = argv[0] ?? "";
  const serverAddress = arg !== "" && arg !== DEFAULT_NAMESPACE ? arg : INDEX_SERVER;
  const isDefault = serverAddress === INDEX_SERVER;
  const cfg = loadCliConfig(ctx);

  // GetDefaultAuthConfig
  const key = isDefault ? serverAddress : convertToHostname(serverAddress);
  let stored: AuthConfig = {};
  let storedErr: unknown;
  if (user === "" && password === "") {
    try {
      stored = getAuthConfig(cfg, key);
    } catch (e) {
      storedErr = e;
    }
  }
  stored.serveraddress = key;
  delete stored.identitytoken;

  let msg = "";
  let failed = storedErr !== undefined;
  const haveStored = (stored.username ?? "") !== "" && (stored.password ?? "") !== "";
  if (!failed && haveStored) {
    const r = await loginWithStoredCredentials(ctx, cfg, stored);
    msg = r.msg;
    failed = r.failed;
  }
  if (failed || !haveStored) {
    msg = await loginUser(ctx, cfg, user, password, stored.username ?? "", key);
  }
  if (msg !== "") ctx.out(`${msg}\n`);
  return 0;
}

async function registryLogin(ctx: CliContext, auth: AuthConfig): Promise<AuthenticateOK> {
  const client = await ctx.client();
  const body = authConfigJSON(auth);
  return (await client.json<AuthenticateOK | undefined>("POST", "/auth", { body, headers: { "Content-Type": "application/json" } })) ?? {};
}

function store(ctx: CliContext, cfg: ConfigFile, auth: AuthConfig): void {
  try {
    storeAuthConfig(cfg, auth, (t) => ctx.err(t));
  } catch (e) {
    throw fail(`Error saving credentials: ${(e as Error).message}`);
  }
}

async function loginWithStoredCredentials(ctx: CliContext, cfg: ConfigFile, auth: AuthConfig): Promise<{ msg: string; failed: boolean }> {
  ctx.err(`Authenticating with existing credentials...${(auth.username ?? "") !== "" ? ` [Username: ${auth.username}]` : ""}\n`);
  printNote((s) => ctx.err(s), ctx.stderr.isTTY === true, `To login with a different account, run '${ctx.prog} logout' followed by '${ctx.prog} login'`);
  ctx.err("\n\n");
  let res: AuthenticateOK = {};
  let failed = false;
  try {
    res = await registryLogin(ctx, auth);
  } catch (e) {
    failed = true;
    const status = (e as Error & { statusCode?: number }).statusCode;
    if (status === 401) ctx.err("Stored credentials invalid or expired\n");
    else ctx.err(`Login did not succeed, error: ${(e as Error).name === "DaemonError" ? "Error response from daemon: " : ""}${(e as Error).message}\n`);
  }
  const next: AuthConfig = { ...auth };
  if ((res.IdentityToken ?? "") !== "") {
    delete next.password;
    next.identitytoken = res.IdentityToken;
  }
  store(ctx, cfg, next);
  return { msg: res.Status ?? "", failed };
}

async function loginUser(ctx: CliContext, cfg: ConfigFile, user: string, password: string, defaultUsername: string, serverAddress: string): Promise<string> {
  if ((user === "" || password === "") && ctx.stdin.isTTY !== true) throw fail("Error: Cannot perform an interactive login from a non TTY device");
  if (serverAddress === INDEX_SERVER && user === "" && password === "" && !oauthDisabled()) {
    // docker tries Docker Hub's web (device-code) login first; berth has none and falls back as docker does offline.
    ctx.err("Failed to start web-based login - falling back to command line login...\n\n");
  }
  let auth: AuthConfig;
  try {
    auth = await promptUserForCredentials(ctx, new LineReader(ctx.stdin), user, password, defaultUsername, serverAddress);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const res = await registryLogin(ctx, auth);
  if ((res.IdentityToken ?? "") !== "") {
    delete auth.password;
    auth.identitytoken = res.IdentityToken;
  }
  store(ctx, cfg, auth);
  return res.Status ?? "";
}

function oauthDisabled(): boolean {
  const v = process.env.DOCKER_CLI_DISABLE_OAUTH_LOGIN;
  return v !== undefined && ["1", "t", "T", "true", "TRUE", "True"].includes(v);
}
