/**
 * docker's client config.json (cli/config/configfile): where it lives, reading it (auths decoded to
 * username/password), and saving it atomically (temp file in the same directory, fsync, rename; the
 * existing file's mode is kept, a new one is 0600). Keys berth does not know are kept as they were.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, chmodSync, chownSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { decodeAuth, encodeAuth, goEscape, type AuthConfig } from "./auth-config.js";

export const CONFIG_FILE_NAME = "config.json";

export interface ConfigFile {
  readonly filename: string;
  /** Credentials by key, with `auth` decoded into username/password and serveraddress set to the key. */
  auths: Map<string, AuthConfig>;
  credsStore: string | undefined;
  credHelpers: Record<string, string>;
  /** Every other top-level key, kept as read. */
  readonly rest: Record<string, unknown>;
}

/** docker's config.Dir(): the --config flag, else $DOCKER_CONFIG, else ~/.docker. */
export function configDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== "") return flag;
  const e = env.DOCKER_CONFIG;
  if (e !== undefined && e !== "") return e;
  return join(env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir(), ".docker");
}

export function emptyConfig(filename: string): ConfigFile {
  return { filename, auths: new Map(), credsStore: undefined, credHelpers: {}, rest: {} };
}

/** Reads dir/config.json; a missing file gives an empty config. Errors carry docker's wording. */
export function loadConfigFile(dir: string): ConfigFile {
  const filename = join(dir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(filename, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyConfig(filename);
    throw new Error(`loading config file: ${filename}: ${(e as Error).message}`, { cause: e });
  }
  const cfg = emptyConfig(filename);
  if (text.trim() === "") return cfg;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`parsing config file (${filename}): ${(e as Error).message}`, { cause: e });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`parsing config file (${filename}): json: cannot unmarshal into Go value of type configfile.ConfigFile`);
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === "auths") {
      if (typeof v !== "object" || v === null) continue;
      for (const [addr, entry] of Object.entries(v as Record<string, unknown>)) {
        const a = readAuthEntry(entry);
        if (a.auth !== undefined && a.auth !== "") {
          let d;
          try {
            d = decodeAuth(a.auth);
          } catch (e) {
            throw new Error(`parsing config file (${filename}): ${(e as Error).message}`, { cause: e });
          }
          a.username = d.username;
          a.password = d.password;
        }
        delete a.auth;
        a.serveraddress = addr;
        cfg.auths.set(addr, a);
      }
    } else if (k === "credsStore") {
      cfg.credsStore = typeof v === "string" && v !== "" ? v : undefined;
    } else if (k === "credHelpers") {
      if (typeof v === "object" && v !== null) for (const [h, n] of Object.entries(v as Record<string, unknown>)) if (typeof n === "string") cfg.credHelpers[h] = n;
    } else {
      cfg.rest[k] = v;
    }
  }
  return cfg;
}

function readAuthEntry(v: unknown): AuthConfig {
  const out: AuthConfig = {};
  if (typeof v !== "object" || v === null) return out;
  const o = v as Record<string, unknown>;
  for (const k of ["username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken"] as const) {
    const x = o[k];
    if (typeof x === "string" && x !== "") out[k] = x;
  }
  return out;
}

/** The JSON docker would write: tab-indented, `auths` first with user/password folded into `auth`. */
export function serializeConfig(cfg: ConfigFile): string {
  const auths: Record<string, Record<string, string>> = {};
  // Go writes map keys sorted
  for (const [k, a] of [...cfg.auths].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const e: Record<string, string> = {};
    const auth = encodeAuth(a.username, a.password);
    if (auth !== "") e.auth = auth;
    if (a.email !== undefined && a.email !== "") e.email = a.email;
    if (a.identitytoken !== undefined && a.identitytoken !== "") e.identitytoken = a.identitytoken;
    if (a.registrytoken !== undefined && a.registrytoken !== "") e.registrytoken = a.registrytoken;
    auths[k] = e;
  }
  const out: Record<string, unknown> = { auths };
  for (const [k, v] of Object.entries(cfg.rest)) {
    if (k === "HttpHeaders" && typeof v === "object" && v !== null) {
      // docker never stores User-Agent.
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([h]) => h.toLowerCase() !== "user-agent"));
    } else out[k] = v;
  }
  if (cfg.credsStore !== undefined) out.credsStore = cfg.credsStore;
  if (Object.keys(cfg.credHelpers).length > 0) out.credHelpers = Object.fromEntries(Object.entries(cfg.credHelpers).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return goEscape(JSON.stringify(out, null, "\t"));
}

/** Writes the file atomically: temp + fsync + rename (through a symlink to its target), then fsyncs the directory. */
export function saveConfigFile(cfg: ConfigFile): void {
  const dir = dirname(cfg.filename);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let target = cfg.filename;
  try {
    target = realpathSync(cfg.filename);
  } catch {
    // missing (or a dangling symlink): write the named path
  }
  const tmp = join(dirname(target), `${basename(target)}${randomBytes(5).readUInt32BE(0)}`);
  let st: { mode: number; uid: number; gid: number } | undefined;
  try {
    st = statSync(target);
  } catch {
    st = undefined;
  }
  const fd = openSync(tmp, "wx", 0o600);
  try {
    try {
      writeSync(fd, serializeConfig(cfg));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (st !== undefined) {
      chmodSync(tmp, st.mode & 0o7777);
      try {
        chownSync(tmp, st.uid, st.gid);
      } catch {
        // as docker: ownership is copied when allowed
      }
    }
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never written
    }
    throw e;
  }
  try {
    const dfd = openSync(dirname(target), "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // directory fsync is best effort
  }
}
