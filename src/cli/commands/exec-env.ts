/** docker's environment options: `-e KEY[=VALUE]` (opts.ValidateEnv) and `--env-file` (opts.ParseEnvFile). */
import { readFileSync } from "node:fs";
import { StatusError } from "../cli-error.js";

export type Lookup = (key: string) => string | undefined;
const envLookup: Lookup = (k) => process.env[k];

/** `-e` value: "K=V" as is; a bare "K" takes the client's value if set, else passes through. Throws on an empty key. */
export function validateEnv(val: string, lookup: Lookup = envLookup): string {
  const i = val.indexOf("=");
  const k = i >= 0 ? val.slice(0, i) : val;
  if (k === "") throw new Error(`invalid environment variable: ${val}`);
  if (i >= 0) return val;
  const v = lookup(k);
  return v !== undefined ? `${k}=${v}` : val;
}

const WS = " \t\n\v\f\r";

/** Parses the text of an env file as docker does (comments, BOM, pass-through names, whitespace errors). */
export function parseEnvFileText(text: string, lookup: Lookup = envLookup): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  for (const raw of lines) {
    const line = raw.replace(/^\s+/u, "");
    if (line === "" || line.startsWith("#")) continue;
    const i = line.indexOf("=");
    let variable = i >= 0 ? line.slice(0, i) : line;
    variable = variable.replace(/^[ \t\n\v\f\r]+/, "");
    if ([...variable].some((c) => WS.includes(c))) throw new StatusError(`poorly formatted environment: variable '${variable}' contains whitespaces`, 1);
    if (variable === "") throw new StatusError(`poorly formatted environment: no variable name on line '${line}'`, 1);
    if (i >= 0) out.push(`${variable}=${line.slice(i + 1)}`);
    else {
      const v = lookup(line);
      if (v !== undefined) out.push(`${variable.trim()}=${v}`);
    }
  }
  return out;
}

/** docker's ReadKVEnvStrings: env files first (in order), then the -e values. */
export function readKVEnvStrings(files: readonly string[], override: readonly string[], lookup: Lookup = envLookup): string[] {
  const vars: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      const m = /^E\w+: ([^,]+),/.exec((e as Error).message);
      throw new StatusError(`open ${f}: ${m?.[1] ?? (e as Error).message}`, 1);
    }
    vars.push(...parseEnvFileText(text, lookup));
  }
  return [...vars, ...override];
}
