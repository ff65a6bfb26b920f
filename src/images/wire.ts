/** Mapping stored images to Docker's wire types (api/types/images.ts), as dockerd renders them. */
import type { HistoryResponseItem, ImageInspect } from "../api/types/index.js";
import type { ContainerConfig } from "../oci/index.js";
import { familiarize } from "../oci/index.js";
import type { ImageRecord } from "./image-record.js";

/** Compares docker API versions ("1.41" < "1.44"). */
export function versionLess(a: string, b: string): boolean {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

export const zeroTime = "0001-01-01T00:00:00Z";

/** A container config with every field dockerd (API < 1.50) always sends, in Go struct order. */
export function fullContainerConfig(c: ContainerConfig | undefined): ContainerConfig {
  const s = c ?? {};
  const out: ContainerConfig = {
    Hostname: s.Hostname ?? "",
    Domainname: s.Domainname ?? "",
    User: s.User ?? "",
    AttachStdin: s.AttachStdin ?? false,
    AttachStdout: s.AttachStdout ?? false,
    AttachStderr: s.AttachStderr ?? false,
  };
  if (s.ExposedPorts && Object.keys(s.ExposedPorts).length > 0) out.ExposedPorts = s.ExposedPorts;
  out.Tty = s.Tty ?? false;
  out.OpenStdin = s.OpenStdin ?? false;
  out.StdinOnce = s.StdinOnce ?? false;
  out.Env = s.Env ?? null;
  out.Cmd = s.Cmd ?? null;
  if (s.Healthcheck) out.Healthcheck = s.Healthcheck;
  if (s.ArgsEscaped) out.ArgsEscaped = s.ArgsEscaped;
  out.Image = s.Image ?? "";
  out.Volumes = s.Volumes ?? null;
  out.WorkingDir = s.WorkingDir ?? "";
  out.Entrypoint = s.Entrypoint ?? null;
  out.OnBuild = s.OnBuild ?? null;
  out.Labels = s.Labels ?? null;
  if (s.StopSignal) out.StopSignal = s.StopSignal;
  if (s.StopTimeout !== undefined) out.StopTimeout = s.StopTimeout;
  if (s.Shell && s.Shell.length > 0) out.Shell = s.Shell;
  return out;
}

export function inspectOf(
  rec: ImageRecord,
  graphDriverData: Record<string, string> | null,
  apiVersion: string,
): ImageInspect {
  const c = rec.config;
  const out: ImageInspect = {
    Id: rec.id,
    RepoTags: rec.tags.map(familiarize),
    RepoDigests: rec.digests.map(familiarize),
    Parent: rec.parent ?? c.parent ?? "",
    Comment: c.comment ?? "",
    Created: c.created ?? "",
    DockerVersion: c.docker_version ?? "",
    Author: c.author ?? "",
    Config: fullContainerConfig(c.config),
    Architecture: c.architecture ?? "",
    Os: c.os ?? "",
    Size: rec.size,
    GraphDriver: { Data: graphDriverData, Name: "overlay2" },
    RootFS: { Type: "layers", Layers: [...(c.rootfs?.diff_ids ?? [])] },
    Metadata: { LastTagTime: rec.lastTagTime ?? zeroTime },
  };
  if (versionLess(apiVersion, "1.45")) {
    out.Container = c.container ?? "";
    out.ContainerConfig = fullContainerConfig(c.container_config);
  }
  if (c.variant) out.Variant = c.variant;
  if (c["os.version"]) out.OsVersion = c["os.version"];
  if (versionLess(apiVersion, "1.44")) out.VirtualSize = rec.size;
  // dockerd's key order: Container/ContainerConfig follow Created.
  return reorder(out, [
    "Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Container", "ContainerConfig", "DockerVersion",
    "Author", "Config", "Architecture", "Variant", "Os", "OsVersion", "Size", "VirtualSize", "GraphDriver", "RootFS", "Metadata",
  ]);
}

function reorder<T extends object>(o: T, keys: readonly string[]): T {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in src) out[k] = src[k];
  return out as T;
}

/** dockerd's history: newest first; the image's own id on the first row, parents' ids when known. */
export function historyOf(
  rec: ImageRecord,
  layerSizes: readonly number[],
  parents: (id: string) => ImageRecord | undefined,
): HistoryResponseItem[] {
  const out: HistoryResponseItem[] = [];
  let layer = 0;
  for (const h of rec.config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      if (layer >= layerSizes.length) throw new Error("too many non-empty layers in History section");
      size = layerSizes[layer] ?? 0;
      layer++;
    }
    const created = h.created ? Math.floor(Date.parse(h.created) / 1000) : 0;
    out.unshift({
      Comment: h.comment ?? "",
      Created: Number.isFinite(created) ? created : 0,
      CreatedBy: h.created_by ?? "",
      Id: "<missing>",
      Size: size,
      Tags: null,
    });
  }
  let cur: ImageRecord | undefined = rec;
  for (const item of out) {
    if (!cur) break;
    item.Id = cur.id;
    const tags = cur.tags.map(familiarize);
    item.Tags = tags.length > 0 ? tags : null;
    cur = cur.parent ? parents(cur.parent) : undefined;
  }
  return out.map((h) => ({ Id: h.Id, Created: h.Created, CreatedBy: h.CreatedBy, Tags: h.Tags, Size: h.Size, Comment: h.Comment }));
}
