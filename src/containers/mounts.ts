/**
 * A container's user mounts: `-v` (HostConfig.Binds), `--mount` (HostConfig.Mounts), `--tmpfs`
 * (HostConfig.Tmpfs) and the image's VOLUMEs, parsed with docker's rules and errors.
 *
 * Lifecycle: prepareMounts() at create validates, creates missing host dirs for `-v /host:…`,
 * creates named volumes that are missing and anonymous ones, and records which volume sits at
 * which destination (volume refs, so an in-use volume cannot be removed). resolveMounts() at start
 * turns the plan into runtime mounts: each destination is resolved inside the container's rootfs
 * (symlinks followed within the root, never out of it), image content is copied up into an empty
 * volume, and option-mounted volumes (tmpfs, bind, nfs) are mounted through volumes/.
 */
import { randomBytes } from "../util/crypto.js";
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync } from "node:fs";
import * as path from "node:path";
import type { HostConfig, MountPoint, MountSpec } from "../api/types/containers.js";
import type { ContainerConfig } from "../oci/types.js";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { SpecInput } from "../runtime/index.js";
import { copyTree } from "../snapshots/index.js";
import { validateVolumeName, type VolumeService } from "../volumes/index.js";
import { resolveInRoot } from "./fs/index.js";

export interface PlannedMount {
  type: "bind" | "volume" | "tmpfs";
  /** bind: the host path; volume: the name ("" = anonymous, named at create); tmpfs: "". */
  source: string;
  /** Clean absolute container path. */
  destination: string;
  rw: boolean;
  /** docker's Mode field in inspect. */
  mode: string;
  /** bind propagation ("" = rprivate). */
  propagation: string;
  nocopy: boolean;
  /** tmpfs data options (size=…, mode=…). */
  tmpfsOptions: string[];
  /** From `-v` (a missing host dir is created) rather than `--mount` (a missing source is an error). */
  createHostDir: boolean;
  /** `--mount type=volume,volume-opt=…` / volume labels, for a volume created by this mount. */
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
  /** From HostConfig.Tmpfs: not listed in inspect's Mounts (as docker). */
  hidden?: boolean;
}

const PROPAGATIONS = new Set(["shared", "rshared", "slave", "rslave", "private", "rprivate"]);
const MODE_WORDS = new Set(["ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated", ...PROPAGATIONS]);

function cleanDest(d: string): string {
  return path.posix.normalize(d).replace(/(.)\/+$/, "$1");
}

function checkAbsolute(kind: string, target: string, spec?: string): void {
  if (!target.startsWith("/")) {
    const inner = `invalid mount config for type "${kind}": invalid mount path: '${target}' mount path must be absolute`;
    throw new InvalidArgumentError(spec === undefined ? inner : `invalid volume specification: '${spec}': ${inner}`);
  }
  if (cleanDest(target) === "/") throw new InvalidArgumentError(`invalid specification: destination can't be '/'`);
}

/** One `-v` entry: `dst`, `src:dst` or `src:dst:mode`. */
export function parseBind(spec: string): PlannedMount {
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) throw new InvalidArgumentError(`invalid volume specification: '${spec}'`);
  let src = "";
  let dst: string;
  let mode = "";
  if (parts.length === 1) dst = parts[0] ?? "";
  else [src = "", dst = "", mode = ""] = parts;
  const words = mode === "" ? [] : mode.split(",");
  for (const w of words) if (!MODE_WORDS.has(w)) throw new InvalidArgumentError(`invalid mode: ${mode}`);
  if (words.includes("ro") && words.includes("rw")) throw new InvalidArgumentError(`invalid mode: ${mode}`);
  const props = words.filter((w) => PROPAGATIONS.has(w));
  if (props.length > 1) throw new InvalidArgumentError(`invalid mode: ${mode}`);
  const isBind = src.startsWith("/");
  checkAbsolute(isBind ? "bind" : "volume", dst, spec);
  if (!isBind && props.length > 0) throw new InvalidArgumentError(`invalid mode: ${mode}`);
  if (isBind && words.includes("nocopy")) throw new InvalidArgumentError(`invalid mode: ${mode}`);
  if (src !== "" && !isBind) validateVolumeName(src);
  return {
    type: isBind ? "bind" : "volume",
    source: isBind ? path.posix.normalize(src) : src,
    destination: cleanDest(dst),
    rw: !words.includes("ro"),
    mode: mode === "" && src !== "" && !isBind ? "z" : mode,
    propagation: props[0] ?? "",
    nocopy: words.includes("nocopy"),
    tmpfsOptions: [],
    createHostDir: true,
  };
}

/** One `--mount` entry (HostConfig.Mounts). */
export function parseMountSpec(m: MountSpec): PlannedMount {
  const kind = String(m.Type ?? "");
  const bad = (msg: string): InvalidArgumentError => new InvalidArgumentError(`invalid mount config for type "${kind}": ${msg}`);
  if (!["bind", "volume", "tmpfs"].includes(kind)) throw bad("mount type unknown");
  if (!m.Target) throw bad("field Target must not be empty");
  checkAbsolute(kind, m.Target);
  const base = { destination: cleanDest(m.Target), rw: m.ReadOnly !== true, mode: "", propagation: "", nocopy: false, tmpfsOptions: [] as string[], createHostDir: false };
  if (kind === "bind") {
    if (!m.Source) throw bad("field Source must not be empty");
    if (!m.Source.startsWith("/")) throw bad(`invalid mount path: '${m.Source}' mount path must be absolute`);
    if (m.VolumeOptions) throw bad("field VolumeOptions must not be specified");
    if (m.TmpfsOptions) throw bad("field TmpfsOptions must not be specified");
    const prop = m.BindOptions?.Propagation ?? "";
    if (prop !== "" && !PROPAGATIONS.has(prop)) throw bad(`invalid propagation mode: ${prop}`);
    if (!existsSync(m.Source)) {
      if (m.BindOptions?.CreateMountpoint) return { ...base, type: "bind", source: path.posix.normalize(m.Source), propagation: prop, createHostDir: true };
      throw bad(`bind source path does not exist: ${m.Source}`);
    }
    return { ...base, type: "bind", source: path.posix.normalize(m.Source), propagation: prop };
  }
  if (kind === "volume") {
    if (m.BindOptions) throw bad("field BindOptions must not be specified");
    if (m.TmpfsOptions) throw bad("field TmpfsOptions must not be specified");
    if (m.Source) validateVolumeName(m.Source);
    const vo = m.VolumeOptions;
    const driver = vo?.DriverConfig?.Name;
    if (driver && driver !== "local") throw new InvalidArgumentError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    return {
      ...base,
      type: "volume",
      source: m.Source ?? "",
      mode: "z",
      nocopy: vo?.NoCopy === true,
      ...(vo?.DriverConfig?.Options ? { driverOpts: { ...vo.DriverConfig.Options } } : {}),
      ...(vo?.Labels ? { labels: { ...vo.Labels } } : {}),
    };
  }
  if (m.Source) throw bad("source must not be specified");
  if (m.BindOptions) throw bad("field BindOptions must not be specified");
  if (m.VolumeOptions) throw bad("field VolumeOptions must not be specified");
  const opts: string[] = [];
  const t = m.TmpfsOptions;
  if (t?.SizeBytes !== undefined) {
    if (t.SizeBytes < 0) throw bad(`invalid tmpfs size: ${t.SizeBytes}`);
    if (t.SizeBytes > 0) opts.push(`size=${t.SizeBytes}`);
  }
  if (t?.Mode !== undefined && t.Mode !== 0) opts.push(`mode=${(t.Mode & 0o7777).toString(8)}`);
  return { ...base, type: "tmpfs", source: "", tmpfsOptions: opts };
}

/** Every user mount of a container, in docker's precedence; throws docker's errors for bad input and duplicates. */
export function planMounts(hc: HostConfig, cfg: Pick<ContainerConfig, "Volumes">): PlannedMount[] {
  const out: PlannedMount[] = [];
  const seen = new Set<string>();
  const add = (p: PlannedMount): void => {
    if (seen.has(p.destination)) throw new InvalidArgumentError(`Duplicate mount point: ${p.destination}`);
    seen.add(p.destination);
    out.push(p);
  };
  for (const b of hc.Binds ?? []) add(parseBind(b));
  for (const m of hc.Mounts ?? []) add(parseMountSpec(m));
  for (const [dest, opts] of Object.entries(hc.Tmpfs ?? {})) {
    checkAbsolute("tmpfs", dest);
    add({ type: "tmpfs", source: "", destination: cleanDest(dest), rw: !(opts ?? "").split(",").includes("ro"), mode: "", propagation: "", nocopy: false, tmpfsOptions: (opts ?? "").split(",").filter((o) => o !== "" && o !== "ro" && o !== "rw"), createHostDir: false, hidden: true });
  }
  // image VOLUMEs (and Config.Volumes) not covered by a user mount get anonymous volumes
  for (const dest of Object.keys(cfg.Volumes ?? {})) {
    if (!dest.startsWith("/")) continue;
    const d = cleanDest(dest);
    if (seen.has(d) || d === "/") continue;
    seen.add(d);
    out.push({ type: "volume", source: "", destination: d, rw: true, mode: "", propagation: "", nocopy: false, tmpfsOptions: [], createHostDir: false });
  }
  return out;
}

function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Internal bind grants: the builder's RUN --mount binds of the daemon's own dirs (cache mounts,
 * secrets, context). A grant is made in-process (never from the API), named by a random token the
 * builder puts in its container's labels (INTERNAL_BIND_LABEL); the first container created with it
 * claims it, and only that container may bind the granted paths.
 */
export const INTERNAL_BIND_LABEL = "berth.internal.bind-grant";
const grants = new Map<string, { paths: string[]; containerId?: string }>();

/** Allows the paths (and anything under them) as bind sources for the one container created with the token; release() ends it. */
export function grantInternalBinds(paths: readonly string[]): { token: string; release: () => void } {
  const token = randomBytes(24).toString("hex");
  grants.set(token, { paths: paths.map((p) => path.resolve(p)) });
  return { token, release: () => void grants.delete(token) };
}

function claimGrant(containerId: string, cfg: { Labels?: Record<string, string> | null }): void {
  const token = cfg.Labels?.[INTERNAL_BIND_LABEL];
  if (token === undefined) return;
  const g = grants.get(token);
  if (g && g.containerId === undefined) g.containerId = containerId;
}

function grantedTo(containerId: string, src: string): boolean {
  const abs = path.resolve(src);
  for (const g of grants.values()) if (g.containerId === containerId && g.paths.some((p) => within(abs, p))) return true;
  return false;
}

/** Refuses a bind of berth's data root (or anything inside it), unless granted to the container. */
function checkNotDataRoot(src: string, dataRoot: string, containerId?: string): void {
  if (containerId !== undefined && grantedTo(containerId, src)) return;
  let real = src;
  let root = dataRoot;
  try {
    real = realpathSync(src);
  } catch {
    /* missing: compare the literal path */
  }
  try {
    root = realpathSync(dataRoot);
  } catch {
    /* keep the literal path */
  }
  if (within(real, root) || within(path.resolve(src), path.resolve(dataRoot))) {
    throw new InvalidArgumentError(`invalid mount config for type "bind": ${src} is inside the daemon's data root (${dataRoot}) and cannot be mounted into a container`);
  }
}

export interface MountContext {
  volumes: VolumeService;
  dataRoot: string;
  /** Resolves a `--volumes-from` container reference (throws docker's not-found). */
  lookupContainer?: (ref: string) => { id: string } & Partial<MountSource>;
}

/** What --volumes-from reads of a source container. */
export interface MountSource {
  hostConfig: HostConfig;
  config: Pick<ContainerConfig, "Volumes">;
}

export type MountSourceLookup = (ref: string) => Partial<MountSource> | undefined;

/**
 * The bind mounts a container inherits through `--volumes-from`, as docker copies them: each source's own
 * binds at destinations not already taken (read-only when the entry says `:ro`). A source that is gone
 * gives nothing.
 */
export function inheritedBinds(hc: HostConfig, taken: ReadonlySet<string>, lookup: MountSourceLookup | undefined): PlannedMount[] {
  if (!lookup || !hc.VolumesFrom || hc.VolumesFrom.length === 0) return [];
  const out: PlannedMount[] = [];
  const seen = new Set(taken);
  let entries: Array<{ ref: string; rw: boolean }>;
  try {
    entries = parseVolumesFrom(hc);
  } catch {
    return [];
  }
  for (const vf of entries) {
    let src: Partial<MountSource> | undefined;
    try {
      src = lookup(vf.ref);
    } catch {
      src = undefined;
    }
    if (!src?.hostConfig) continue;
    let plan: PlannedMount[];
    try {
      plan = planMounts(src.hostConfig, src.config ?? {});
    } catch {
      continue;
    }
    for (const p of plan) {
      if (p.type !== "bind" || seen.has(p.destination)) continue;
      seen.add(p.destination);
      out.push({ ...p, rw: p.rw && vf.rw, mode: vf.rw ? p.mode : "ro", createHostDir: false });
    }
  }
  return out;
}

/** `--volumes-from ctr[:ro|rw]` entries. */
export function parseVolumesFrom(hc: HostConfig): Array<{ ref: string; rw: boolean }> {
  return (hc.VolumesFrom ?? []).map((v) => {
    const [ref = "", mode = "rw", ...rest] = v.split(":");
    if (ref === "" || rest.length > 0 || (mode !== "ro" && mode !== "rw")) throw new InvalidArgumentError(`invalid mode for volumes-from: ${v}`);
    return { ref, rw: mode === "rw" };
  });
}

/** Volumes from `--volumes-from` (refs at destinations the plan does not cover): rw unless every source is :ro. */
function inheritedRw(hc: HostConfig): boolean {
  const vf = parseVolumesFrom(hc);
  return vf.length === 0 || vf.some((v) => v.rw);
}

/**
 * At create: validates every mount, creates missing `-v` host dirs and volumes, and records the
 * container's volume refs. Returns the anonymous volumes it created (to undo on a failed create).
 */
export function prepareMounts(containerId: string, hc: HostConfig, cfg: Pick<ContainerConfig, "Volumes">, ctx: MountContext): string[] {
  const plan = planMounts(hc, cfg);
  claimGrant(containerId, cfg as { Labels?: Record<string, string> | null });
  for (const p of plan) if (p.type === "bind") checkNotDataRoot(p.source, ctx.dataRoot, containerId);
  const created: string[] = [];
  const refs: { containerId: string; destination: string; volume: string }[] = [];
  try {
    for (const p of plan) {
      if (p.type === "bind" && p.createHostDir && !existsSync(p.source)) mkdirSync(p.source, { recursive: true, mode: 0o755 });
      if (p.type !== "volume") continue;
      let name = p.source;
      if (name === "") {
        name = ctx.volumes.createAnonymous().name;
        created.push(name);
      } else if (!ctx.volumes.exists(name)) {
        ctx.volumes.ensure(name, { ...(p.labels ? { labels: p.labels } : {}), ...(p.driverOpts ? { driverOpts: p.driverOpts } : {}) });
        created.push(name);
      }
      refs.push({ containerId, destination: p.destination, volume: name });
    }
    const taken = new Set(plan.map((p) => p.destination));
    for (const vf of parseVolumesFrom(hc)) {
      if (!ctx.lookupContainer) throw new InvalidArgumentError("--volumes-from is not supported here");
      const src = ctx.lookupContainer(vf.ref);
      for (const r of ctx.volumes.refsOf(src.id)) {
        if (taken.has(r.destination)) continue;
        taken.add(r.destination);
        refs.push({ containerId, destination: r.destination, volume: r.volume });
      }
    }
    ctx.volumes.addRefs(refs);
  } catch (e) {
    ctx.volumes.release(containerId);
    void ctx.volumes.removeUnused(created);
    throw e;
  }
  return created;
}

function isNonEmptyDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory() && readdirSync(p).length > 0;
  } catch {
    return false;
  }
}

/**
 * At start (rootfs mounted): the runtime mounts for the plan. Destinations are resolved inside the
 * rootfs, so an image's `/data -> /etc` puts `-v vol:/data` on the container's /etc, never the host's.
 */
export async function resolveMounts(containerId: string, hc: HostConfig, cfg: Pick<ContainerConfig, "Volumes">, rootfs: string, ctx: MountContext): Promise<SpecInput["mounts"]> {
  const own = planMounts(hc, cfg);
  const plan = [...own, ...inheritedBinds(hc, new Set(own.map((p) => p.destination)), ctx.lookupContainer)];
  const refs = new Map(ctx.volumes.refsOf(containerId).map((r) => [r.destination, r.volume]));
  const fsView = { rootfs, extraMounts: [] };
  const out: Array<SpecInput["mounts"][number] & { depth: number }> = [];
  for (const p of plan) {
    const r = resolveInRoot(fsView, p.destination, { followFinal: true });
    const dest = r.containerPath;
    if (dest === "/") throw new InvalidArgumentError(`invalid specification: destination can't be '/'`);
    const depth = dest.split("/").length;
    if (p.type === "tmpfs") {
      out.push({ destination: dest, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", ...(p.rw ? [] : ["ro"]), ...p.tmpfsOptions], depth });
      continue;
    }
    let source: string;
    if (p.type === "bind") {
      checkNotDataRoot(p.source, ctx.dataRoot, containerId);
      if (!existsSync(p.source)) {
        if (!p.createHostDir) throw new InvalidArgumentError(`invalid mount config for type "bind": bind source path does not exist: ${p.source}`);
        mkdirSync(p.source, { recursive: true, mode: 0o755 });
      }
      source = p.source;
    } else {
      const name = refs.get(p.destination) ?? p.source;
      if (name === "") throw new InvalidArgumentError(`no volume recorded for ${p.destination}`);
      if (!ctx.volumes.exists(name)) ctx.volumes.ensure(name);
      const empty = ctx.volumes.isEmpty(name);
      source = await ctx.volumes.use(name);
      // copy-up: image content at the (in-root) destination fills an empty volume on first mount
      if (!p.nocopy && empty && isNonEmptyDir(r.host)) await copyTree(r.host, source);
    }
    const opts = ["rbind", p.rw ? "rw" : "ro", p.propagation || "rprivate"];
    out.push({ destination: dest, type: "bind", source, options: opts, depth });
  }
  const planned = new Set(plan.map((p) => p.destination));
  for (const [destination, name] of refs) {
    if (planned.has(destination)) continue;
    const r = resolveInRoot(fsView, destination, { followFinal: true });
    if (r.containerPath === "/") continue;
    const source = await ctx.volumes.use(name);
    out.push({ destination: r.containerPath, type: "bind", source, options: ["rbind", inheritedRw(hc) ? "rw" : "ro", "rprivate"], depth: r.containerPath.split("/").length });
  }
  out.sort((a, b) => a.depth - b.depth);
  return out.map(({ depth: _d, ...m }) => m);
}

/** inspect's Mounts list, in docker's shape. */
export function mountPoints(containerId: string, hc: HostConfig, cfg: Pick<ContainerConfig, "Volumes">, volumes: VolumeService, lookup?: MountSourceLookup): MountPoint[] {
  let plan: PlannedMount[];
  try {
    plan = planMounts(hc, cfg);
  } catch {
    return [];
  }
  plan = [...plan, ...inheritedBinds(hc, new Set(plan.map((p) => p.destination)), lookup)];
  if (plan.length === 0 && !(hc.VolumesFrom && hc.VolumesFrom.length > 0)) return []; // most containers: no lookup at all (ps asks for every container)
  const refs = new Map(volumes.refsOf(containerId).map((r) => [r.destination, r.volume]));
  const out: MountPoint[] = [];
  for (const p of plan) {
    if (p.hidden) continue;
    if (p.type === "bind") {
      out.push({ Type: "bind", Source: p.source, Destination: p.destination, Mode: p.mode, RW: p.rw, Propagation: p.propagation || "rprivate" });
    } else if (p.type === "tmpfs") {
      out.push({ Type: "tmpfs", Source: "", Destination: p.destination, Mode: "", RW: p.rw, Propagation: "" });
    } else {
      const name = refs.get(p.destination) ?? p.source;
      out.push({ Type: "volume", Name: name, Source: volumes.mountpointOf(name), Destination: p.destination, Driver: volumes.record(name)?.driver ?? "local", Mode: p.mode, RW: p.rw, Propagation: "" });
    }
  }
  const planned = new Set(plan.map((p) => p.destination));
  let rw = true;
  try {
    rw = inheritedRw(hc);
  } catch {
    /* bad VolumesFrom was refused at create */
  }
  for (const [destination, name] of refs) {
    if (planned.has(destination)) continue;
    out.push({ Type: "volume", Name: name, Source: volumes.mountpointOf(name), Destination: destination, Driver: volumes.record(name)?.driver ?? "local", Mode: "", RW: rw, Propagation: "" });
  }
  return out;
}

/**
 * For cp/archive: the volume and `--mount` bind mounts as destination → host source (host-path
 * `-v` binds come from container-fs-access's extraMountsOf), so cp goes through to the volume.
 */
export function volumeExtraMounts(containerId: string, hc: HostConfig, cfg: Pick<ContainerConfig, "Volumes">, volumes: VolumeService, lookup?: MountSourceLookup): Array<{ destination: string; source: string; readOnly: boolean }> {
  const fromBinds = new Set((hc.Binds ?? []).map((b) => b.split(":")[0] ?? "").filter((s) => s.startsWith("/")));
  return mountPoints(containerId, hc, cfg, volumes, lookup)
    .filter((m) => m.Type === "volume" || (m.Type === "bind" && !fromBinds.has(m.Source)))
    .map((m) => ({ destination: m.Destination, source: m.Source, readOnly: !m.RW }));
}
