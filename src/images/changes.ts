/**
 * `docker import --change` / `docker commit --change`: Dockerfile instructions applied to a container
 * config (dockerd's BuildFromConfig). Accepted: CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD USER VOLUME
 * WORKDIR STOPSIGNAL (and HEALTHCHECK NONE).
 */
import * as path from "node:path";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { ContainerConfig } from "../oci/index.js";

const valid = new Set(["cmd", "entrypoint", "env", "expose", "label", "onbuild", "user", "volume", "workdir", "stopsignal", "healthcheck"]);

/** Splits words like the Dockerfile parser: whitespace separates, quotes group, backslash escapes. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < s.length) cur += s[++i] ?? "";
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i] ?? "";
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new InvalidArgumentError(`unmatched quote in: ${s}`);
  if (inWord) out.push(cur);
  return out;
}

/** JSON array form (`["a","b"]`) or undefined when the text is not a JSON string array. */
function parseJsonArray(s: string): string[] | undefined {
  const t = s.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch {
    /* shell form */
  }
  return undefined;
}

function execOrShell(args: string): string[] {
  return parseJsonArray(args) ?? ["/bin/sh", "-c", args];
}

/** `k=v k2="v 2"`, or the legacy `k v…` form (when allowLegacy). */
function parseKeyValues(cmd: string, args: string, allowLegacy: boolean): [string, string][] {
  const words = splitWords(args);
  if (words.length === 0) throw new InvalidArgumentError(`${cmd.toUpperCase()} requires at least one argument`);
  if (allowLegacy && !(words[0] ?? "").includes("=")) {
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(args);
    if (!m) throw new InvalidArgumentError(`${cmd.toUpperCase()} must have two arguments`);
    return [[m[1] ?? "", (m[2] ?? "").trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function expandPorts(spec: string): string[] {
  const [portPart = "", proto = "tcp"] = spec.split("/");
  const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
  if (!m) throw new InvalidArgumentError(`invalid containerPort: ${portPart}`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (b < a || a > 65535 || b > 65535) throw new InvalidArgumentError(`invalid containerPort: ${portPart}`);
  const out: string[] = [];
  for (let p = a; p <= b; p++) out.push(`${p}/${proto.toLowerCase()}`);
  return out;
}

/** Applies `changes` to a copy of `base` and returns it. Throws InvalidArgumentError like dockerd. */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  let cmdSet = false;
  for (const raw of changes) {
    for (const line of raw.split("\n")) {
      const text = line.trim();
      if (text === "" || text.startsWith("#")) continue;
      const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
      const cmd = (m?.[1] ?? "").toLowerCase();
      const args = (m?.[2] ?? "").trim();
      if (!valid.has(cmd)) throw new InvalidArgumentError(`${cmd} is not a valid change command`);
      switch (cmd) {
        case "cmd":
          cfg.Cmd = execOrShell(args);
          cmdSet = true;
          break;
        case "entrypoint": {
          const j = parseJsonArray(args);
          cfg.Entrypoint = j ?? (args === "" ? null : ["/bin/sh", "-c", args]);
          if (!cmdSet) cfg.Cmd = null;
          break;
        }
        case "env": {
          const env = [...(cfg.Env ?? [])];
          for (const [k, v] of parseKeyValues(cmd, args, true)) {
            const i = env.findIndex((e) => e.split("=", 1)[0] === k);
            if (i >= 0) env[i] = `${k}=${v}`;
            else env.push(`${k}=${v}`);
          }
          cfg.Env = env;
          break;
        }
        case "label": {
          const labels = { ...(cfg.Labels ?? {}) };
          for (const [k, v] of parseKeyValues(cmd, args, true)) labels[k] = v;
          cfg.Labels = labels;
          break;
        }
        case "expose": {
          const ports = { ...(cfg.ExposedPorts ?? {}) };
          const words = splitWords(args);
          if (words.length === 0) throw new InvalidArgumentError("EXPOSE requires at least one argument");
          for (const w of words) for (const p of expandPorts(w)) ports[p] = {};
          cfg.ExposedPorts = ports;
          break;
        }
        case "onbuild": {
          const sub = /^(\S+)\s*([\s\S]*)$/.exec(args);
          const subCmd = (sub?.[1] ?? "").toUpperCase();
          if (subCmd === "ONBUILD") throw new InvalidArgumentError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
          if (subCmd === "FROM" || subCmd === "MAINTAINER")
            throw new InvalidArgumentError(`${subCmd} isn't allowed as an ONBUILD trigger`);
          if (subCmd === "") throw new InvalidArgumentError("ONBUILD requires at least one argument");
          cfg.OnBuild = [...(cfg.OnBuild ?? []), `${subCmd} ${sub?.[2] ?? ""}`.trim()];
          break;
        }
        case "user":
          if (args === "") throw new InvalidArgumentError("USER requires exactly one argument");
          cfg.User = args;
          break;
        case "volume": {
          const vols = { ...(cfg.Volumes ?? {}) };
          const list = parseJsonArray(args) ?? splitWords(args);
          if (list.length === 0) throw new InvalidArgumentError("VOLUME requires at least one argument");
          for (const v of list) {
            if (v.trim() === "") throw new InvalidArgumentError("VOLUME specified can not be an empty string");
            vols[v] = {};
          }
          cfg.Volumes = vols;
          break;
        }
        case "workdir": {
          if (args === "") throw new InvalidArgumentError("WORKDIR requires exactly one argument");
          cfg.WorkingDir = path.posix.isAbsolute(args) ? path.posix.normalize(args) : path.posix.join("/", cfg.WorkingDir ?? "", args);
          break;
        }
        case "stopsignal":
          if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/i.test(args)) throw new InvalidArgumentError(`Invalid signal: ${args}`);
          cfg.StopSignal = args;
          break;
        case "healthcheck": {
          const words = splitWords(args);
          if ((words[0] ?? "").toUpperCase() !== "NONE")
            throw new InvalidArgumentError("HEALTHCHECK is only supported as HEALTHCHECK NONE in --change");
          cfg.Healthcheck = { Test: ["NONE"] };
          break;
        }
      }
    }
  }
  return cfg;
}
