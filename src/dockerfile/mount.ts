/**
 * `RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked`: the CSV spec as BuildKit
 * reads it (commands_runmount.go), with its defaults and error messages.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

export type MountType = "bind" | "cache" | "tmpfs" | "secret" | "ssh";
export type CacheSharing = "shared" | "private" | "locked";

export interface RunMount {
  type: MountType;
  /** A stage name, stage index or image (bind, cache). */
  from: string;
  source: string;
  target: string;
  readOnly: boolean;
  /** tmpfs `size=`, bytes; 0 = unlimited. */
  sizeLimit: number;
  /** `id=` (cache id, secret id, ssh id). */
  id: string;
  /** Only for cache mounts; "" = the default (shared). */
  sharing: CacheSharing | "";
  required: boolean;
  /** secret `env=` name. */
  env?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

const TYPES = new Set<MountType>(["bind", "cache", "tmpfs", "secret", "ssh"]);
const SHARING = new Set<CacheSharing>(["shared", "private", "locked"]);

/** Splits a CSV record (`a,"b,c",d`, `""` escapes a quote inside quotes). */
export function splitCsv(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  if (s === "") return out;
  for (;;) {
    let field = "";
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) {
          throw new InvalidArgumentError('failed to parse csv mounts: extraneous or missing " in quoted-field');
        }
        const ch = s[i] ?? "";
        if (ch === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += ch;
        i++;
      }
      while (i < s.length && s[i] !== ",") field += s[i++];
    } else {
      while (i < s.length && s[i] !== ",") field += s[i++];
    }
    out.push(field);
    if (i >= s.length) break;
    i++; // the comma
  }
  return out;
}

function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** docker/go-units RAMInBytes: "64m", "1.5g", "512", "2GiB" → bytes (binary multiples). */
export function ramInBytes(size: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(size);
  if (!m) return undefined;
  const n = Number.parseFloat(m[1] ?? "");
  if (!Number.isFinite(n)) return undefined;
  const exp = { "": 0, k: 1, m: 2, g: 3, t: 4, p: 5 }[(m[2] ?? "").toLowerCase()] ?? 0;
  return Math.trunc(n * 1024 ** exp);
}

function parseUint(v: string, radix: 8 | 10): number | undefined {
  const re = radix === 8 ? /^(0o|0O)?[0-7]+$/ : /^\d+$/;
  if (!re.test(v)) return undefined;
  const n = Number.parseInt(v.replace(/^0[oO]/, ""), radix);
  return n <= 0xffffffff ? n : undefined;
}

/**
 * Parses one `--mount` value. `expand` substitutes variables in each value (RUN's environment);
 * pass identity to take values literally.
 */
export function parseMount(spec: string, expand: (word: string) => string = (w) => w): RunMount {
  const m: RunMount = {
    type: "bind",
    from: "",
    source: "",
    target: "",
    readOnly: false,
    sizeLimit: 0,
    id: "",
    sharing: "",
    required: false,
  };
  let roAuto = true;
  const err = (msg: string): InvalidArgumentError => new InvalidArgumentError(msg);
  for (const field of splitCsv(spec)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === "readonly" || key === "ro") {
        m.readOnly = true;
        roAuto = false;
      } else if (key === "readwrite" || key === "rw") {
        m.readOnly = false;
        roAuto = false;
      } else if (key === "required") {
        if (m.type !== "secret" && m.type !== "ssh") throw err(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = true;
      } else {
        throw err(`invalid field '${field}' must be a key=value pair`);
      }
      continue;
    }
    const value = expand(field.slice(eq + 1));
    switch (key) {
      case "type": {
        const t = value.toLowerCase() as MountType;
        if (!TYPES.has(t)) throw err(`unsupported mount type ${JSON.stringify(value)}`);
        m.type = t;
        break;
      }
      case "from":
        m.from = value;
        break;
      case "source":
      case "src":
        m.source = value;
        break;
      case "target":
      case "dst":
      case "destination":
        m.target = value;
        break;
      case "readonly":
      case "ro":
      case "readwrite":
      case "rw": {
        const b = parseBool(value);
        if (b === undefined) throw err(`invalid value for ${key}: ${value}`);
        m.readOnly = key === "readonly" || key === "ro" ? b : !b;
        roAuto = false;
        break;
      }
      case "required": {
        if (m.type !== "secret" && m.type !== "ssh") throw err(`unexpected key '${key}' for mount type '${m.type}'`);
        const b = parseBool(value);
        if (b === undefined) throw err(`invalid value for ${key}: ${value}`);
        m.required = b;
        break;
      }
      case "size": {
        if (m.type !== "tmpfs") throw err(`unexpected key '${key}' for mount type '${m.type}'`);
        const n = ramInBytes(value);
        if (n === undefined) throw err(`invalid value for ${key}: ${value}`);
        m.sizeLimit = n;
        break;
      }
      case "id":
        m.id = value;
        break;
      case "sharing": {
        const s = value.toLowerCase() as CacheSharing;
        if (!SHARING.has(s)) throw err(`unsupported sharing value ${JSON.stringify(value)}`);
        m.sharing = s;
        break;
      }
      case "mode": {
        const n = parseUint(value, 8);
        if (n === undefined) throw err(`invalid value ${value} for mode`);
        m.mode = n;
        break;
      }
      case "uid":
      case "gid": {
        const n = parseUint(value, 10);
        if (n === undefined) throw err(`invalid value ${value} for ${key}`);
        m[key] = n;
        break;
      }
      case "env":
        m.env = value;
        break;
      default:
        throw err(`unexpected key '${key}' in '${field}'`);
    }
  }
  const fileInfoAllowed = m.type === "secret" || m.type === "ssh" || m.type === "cache";
  if (!fileInfoAllowed) {
    for (const k of ["mode", "uid", "gid"] as const) {
      if (m[k] !== undefined) throw err(`${k} not allowed for ${JSON.stringify(m.type)} type mounts`);
    }
  }
  if (roAuto) m.readOnly = !(m.type === "cache" || m.type === "tmpfs");
  if (m.type === "secret") {
    if (m.from !== "") throw err("secret mount should not have a from");
    if (m.sharing !== "") throw err("secret mount should not define sharing");
    if (m.source === "" && m.target === "" && m.id === "") {
      throw err("invalid secret mount. one of source, target required");
    }
    if (m.source !== "" && m.id !== "") throw err("both source and id can't be set");
  }
  if (m.sharing !== "" && m.type !== "cache") throw err(`invalid cache sharing set for ${m.type} mount`);
  return m;
}
