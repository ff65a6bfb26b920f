/**
 * `docker import --change` / `docker commit --change`: Dockerfile instructions applied to a container
 * config (dockerd's BuildFromConfig), parsed by berth's Dockerfile parser and expanded with the
 * config's own Env as it stands before each change. Accepted: CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD
 * USER VOLUME WORKDIR STOPSIGNAL HEALTHCHECK.
 */
import * as path from "node:path";
import { envFromList, expandInstruction, parseChanges } from "../dockerfile/index.js";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { ContainerConfig } from "../oci/index.js";

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

function setEnv(env: string[], key: string, value: string): void {
  const i = env.findIndex((e) => e.split("=", 1)[0] === key);
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
}

/** Applies `changes` to a copy of `base` and returns it. Throws InvalidArgumentError like dockerd. */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  let cmdSet = false;
  for (const parsed of parseChanges(changes)) {
    const ins = expandInstruction(parsed, envFromList(cfg.Env ?? []));
    switch (ins.kind) {
      case "CMD":
        cfg.Cmd = ins.prependShell ? ["/bin/sh", "-c", ...ins.cmdLine] : ins.cmdLine;
        cmdSet = true;
        break;
      case "ENTRYPOINT":
        cfg.Entrypoint = ins.cmdLine.length === 0 ? null : ins.prependShell ? ["/bin/sh", "-c", ...ins.cmdLine] : ins.cmdLine;
        if (!cmdSet) cfg.Cmd = null;
        break;
      case "ENV": {
        const env = [...(cfg.Env ?? [])];
        for (const kv of ins.env) setEnv(env, kv.key, kv.value);
        cfg.Env = env;
        break;
      }
      case "LABEL": {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const kv of ins.labels) labels[kv.key] = kv.value;
        cfg.Labels = labels;
        break;
      }
      case "EXPOSE": {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const w of ins.ports) for (const p of expandPorts(w)) ports[p] = {};
        cfg.ExposedPorts = ports;
        break;
      }
      case "ONBUILD":
        cfg.OnBuild = [...(cfg.OnBuild ?? []), ins.expression];
        break;
      case "USER":
        cfg.User = ins.user;
        break;
      case "VOLUME": {
        const vols = { ...(cfg.Volumes ?? {}) };
        for (const v of ins.volumes) {
          if (v.trim() === "") throw new InvalidArgumentError("VOLUME specified can not be an empty string");
          vols[v] = {};
        }
        cfg.Volumes = vols;
        break;
      }
      case "WORKDIR":
        cfg.WorkingDir = path.posix.isAbsolute(ins.path) ? path.posix.normalize(ins.path) : path.posix.join("/", cfg.WorkingDir ?? "", ins.path);
        break;
      case "STOPSIGNAL":
        if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/i.test(ins.signal)) throw new InvalidArgumentError(`Invalid signal: ${ins.signal}`);
        cfg.StopSignal = ins.signal;
        break;
      case "HEALTHCHECK": {
        const h = ins.health;
        cfg.Healthcheck =
          h.test[0] === "NONE"
            ? { Test: ["NONE"] }
            : {
                Test: h.test,
                ...(h.interval ? { Interval: h.interval } : {}),
                ...(h.timeout ? { Timeout: h.timeout } : {}),
                ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
                ...(h.startInterval ? { StartInterval: h.startInterval } : {}),
                ...(h.retries ? { Retries: h.retries } : {}),
              };
        break;
      }
    }
  }
  return cfg;
}
