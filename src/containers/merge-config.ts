import type { ContainerConfig } from "../oci/types.js";

/**
 * Merges an image's config into a create request like docker's merge: user Cmd/Entrypoint win
 * (a user Entrypoint without Cmd drops the image's Cmd), Env merged by key (user wins), Labels,
 * ExposedPorts and Volumes unioned, other scalars defaulted from the image.
 */
export function mergeConfig(user: ContainerConfig, image: ContainerConfig | undefined): ContainerConfig {
  const img = image ?? {};
  const out: ContainerConfig = { ...user };
  if (!out.User) out.User = img.User ?? "";
  if (!out.WorkingDir) out.WorkingDir = img.WorkingDir ?? "";
  if (!out.StopSignal && img.StopSignal) out.StopSignal = img.StopSignal;
  if (!out.Healthcheck && img.Healthcheck) out.Healthcheck = img.Healthcheck;
  if (!out.Shell && img.Shell) out.Shell = img.Shell;
  if (!out.OnBuild && img.OnBuild) out.OnBuild = img.OnBuild;

  const userEnt = user.Entrypoint && user.Entrypoint.length > 0 ? user.Entrypoint : undefined;
  const userCmd = user.Cmd && user.Cmd.length > 0 ? user.Cmd : undefined;
  if (userEnt) {
    out.Entrypoint = userEnt;
    out.Cmd = userCmd ?? null;
  } else {
    out.Entrypoint = img.Entrypoint ?? null;
    out.Cmd = userCmd ?? img.Cmd ?? null;
  }
  // `--entrypoint ""` (an explicit empty entrypoint) clears the image's.
  if (user.Entrypoint && user.Entrypoint.length === 0 && Array.isArray(user.Entrypoint)) {
    out.Entrypoint = null;
    out.Cmd = userCmd ?? null;
  }

  const env = new Map<string, string>();
  for (const e of img.Env ?? []) env.set(envKey(e), e);
  for (const e of user.Env ?? []) env.set(envKey(e), e);
  out.Env = [...env.values()];

  out.Labels = { ...(img.Labels ?? {}), ...(user.Labels ?? {}) };
  const ports = { ...(img.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  if (Object.keys(ports).length > 0) out.ExposedPorts = ports;
  const vols = { ...(img.Volumes ?? {}), ...(user.Volumes ?? {}) };
  if (Object.keys(vols).length > 0) out.Volumes = vols;
  return out;
}

function envKey(e: string): string {
  const i = e.indexOf("=");
  return i < 0 ? e : e.slice(0, i);
}
