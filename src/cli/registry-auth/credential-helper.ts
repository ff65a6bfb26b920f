/**
 * The docker-credential-helpers protocol: `docker-credential-<name> get|store|erase|list`, one request
 * on stdin, the answer (or an error text) on stdout. Errors carry the docker client's wording.
 */
import { spawnSync } from "node:child_process";

export const HELPER_PREFIX = "docker-credential-";
/** What a helper prints on `get` when it has nothing for the server. */
export const NOT_FOUND_MESSAGE = "credentials not found in native keychain";

export interface HelperCredentials {
  ServerURL: string;
  Username: string;
  Secret: string;
}

interface RunResult {
  ok: boolean;
  out: string;
  /** Go's exec error text: "exit status 1", or exec's "executable file not found in $PATH". */
  err: string;
}

function runHelper(helper: string, action: string, input: string): RunResult {
  const name = HELPER_PREFIX + helper;
  const r = spawnSync(name, [action], { input, encoding: "utf8", stdio: ["pipe", "pipe", "inherit"] });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const err = code === "ENOENT" ? `exec: "${name}": executable file not found in $PATH` : `fork/exec ${name}: ${r.error.message}`;
    return { ok: false, out: "", err };
  }
  if (r.status === 0) return { ok: true, out: r.stdout, err: "" };
  return { ok: false, out: r.stdout, err: r.signal !== null ? `signal: ${signalName(r.signal)}` : `exit status ${r.status ?? 1}` };
}

function signalName(s: NodeJS.Signals): string {
  return s === "SIGKILL" ? "killed" : s === "SIGTERM" ? "terminated" : s.toLowerCase();
}

/** The client's isValidCredsMessage: two messages become typed errors. */
function validCredsErr(out: string, fallback: string): string {
  const t = out.trim();
  if (t === "no credentials server URL") return t;
  if (t === "no credentials username") return t;
  return fallback;
}

/** `get`: the stored credentials, or undefined when the helper says it has none. */
export function helperGet(helper: string, serverURL: string): HelperCredentials | undefined {
  const r = runHelper(helper, "get", serverURL);
  if (!r.ok) {
    if (r.out.trim() === NOT_FOUND_MESSAGE) return undefined;
    throw new Error(`error getting credentials - err: ${validCredsErr(r.out, r.err)}, out: \`${r.out.trim()}\``);
  }
  const v: unknown = JSON.parse(r.out);
  const o = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  const s = (k: string): string => (typeof o[k] === "string" ? (o[k] as string) : "");
  return { ServerURL: s("ServerURL") !== "" ? s("ServerURL") : serverURL, Username: s("Username"), Secret: s("Secret") };
}

/** `store`: the JSON {ServerURL,Username,Secret} on stdin (with Go's trailing newline). */
export function helperStore(helper: string, creds: HelperCredentials): void {
  const input = `${JSON.stringify({ ServerURL: creds.ServerURL, Username: creds.Username, Secret: creds.Secret })}\n`;
  const r = runHelper(helper, "store", input);
  if (!r.ok) throw new Error(`error storing credentials - err: ${validCredsErr(r.out, r.err)}, out: \`${r.out.trim()}\``);
}

/** `erase`: removes the server's credentials. */
export function helperErase(helper: string, serverURL: string): void {
  const r = runHelper(helper, "erase", serverURL);
  if (!r.ok) throw new Error(`error erasing credentials - err: ${validCredsErr(r.out, r.err)}, out: \`${r.out.trim()}\``);
}

/** `list`: server URL → username. */
export function helperList(helper: string): Record<string, string> {
  const r = runHelper(helper, "list", "unused");
  if (!r.ok) throw new Error(`error listing credentials - err: ${validCredsErr(r.out, r.err)}, out: \`${r.out.trim()}\``);
  const v: unknown = JSON.parse(r.out);
  const out: Record<string, string> = {};
  if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === "string") out[k] = x;
  return out;
}
