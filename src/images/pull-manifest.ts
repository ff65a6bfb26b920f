/**
 * Resolving what to pull: the manifest for a tag or digest, with manifest lists / OCI indexes narrowed to
 * one platform, then the image config (verified by the client against its digest) checked against the
 * manifest's layers.
 */
import { InvalidArgumentError, NotFoundError } from "../errdefs/index.js";
import type { Descriptor, ImageConfig, Index, Manifest, Platform } from "../oci/index.js";
import { MediaTypes, isDigest } from "../oci/index.js";
import type { FetchedManifest, Repository } from "../registry/client/types.js";
import { collect } from "./streams.js";

export interface WantedPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ResolvedImage {
  /** What the tag or digest named (a list's digest for a multi-platform image): the repo digest. */
  topDigest: string;
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestDesc: Descriptor;
  config: ImageConfig;
  configBytes: Buffer;
}

const maxConfig = 16 << 20;

/** "linux/arm64/v8" → platform; missing parts default to the host's. */
export function parsePlatform(s: string | undefined, host: WantedPlatform): WantedPlatform {
  if (s === undefined || s === "") return host;
  const parts = s.toLowerCase().split("/");
  const [os, arch, variant] = parts;
  if (!os || parts.length > 3) throw new InvalidArgumentError(`"${s}": unknown operating system or architecture: invalid argument`);
  const out: WantedPlatform = { os, architecture: arch ?? host.architecture };
  if (variant) out.variant = variant;
  else if (!arch && host.variant) out.variant = host.variant;
  return out;
}

export function platformString(p: WantedPlatform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

function normVariant(arch: string, v: string | undefined): string {
  if (arch === "arm64" && (v === undefined || v === "v8")) return "";
  if (arch === "arm" && v === undefined) return "v7";
  return v ?? "";
}

/** The best entry of a list for `want`: exact os/arch/variant first, then os/arch when no variant was asked. */
export function pickPlatform(entries: readonly Descriptor[], want: WantedPlatform): Descriptor | undefined {
  const ok = (p: Platform | undefined): boolean => p !== undefined && p.os === want.os && p.architecture === want.architecture;
  const wv = normVariant(want.architecture, want.variant);
  return (
    entries.find((d) => ok(d.platform) && normVariant(want.architecture, d.platform?.variant) === wv) ??
    (want.variant === undefined ? entries.find((d) => ok(d.platform)) : undefined)
  );
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (err) {
    throw new InvalidArgumentError(`invalid ${what}: not valid JSON`, { cause: err });
  }
}

function mediaTypeOf(f: FetchedManifest): string {
  const body = parseJson<{ mediaType?: unknown; manifests?: unknown }>(f.bytes, "manifest");
  if (typeof body.mediaType === "string") return body.mediaType;
  if (f.descriptor.mediaType) return f.descriptor.mediaType;
  return Array.isArray(body.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
}

const isList = (mt: string): boolean => mt === MediaTypes.dockerManifestList || mt === MediaTypes.ociIndex;

export async function resolveImage(
  repo: Repository,
  reference: string,
  want: WantedPlatform,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const opts = signal ? { signal } : {};
  let fetched = await repo.getManifest(reference, opts);
  const topDigest = fetched.descriptor.digest;
  let mt = mediaTypeOf(fetched);
  if (isList(mt)) {
    const list = parseJson<Index>(fetched.bytes, "manifest list");
    const entry = pickPlatform(Array.isArray(list.manifests) ? list.manifests : [], want);
    if (!entry) throw new NotFoundError(`no matching manifest for ${platformString(want)} in the manifest list entries`);
    fetched = await repo.getManifest(entry.digest, opts);
    mt = mediaTypeOf(fetched);
    if (isList(mt)) throw new InvalidArgumentError(`manifest list ${entry.digest} points to another list`);
  }
  if (mt !== MediaTypes.dockerManifest && mt !== MediaTypes.ociManifest)
    throw new InvalidArgumentError(`unsupported manifest media type ${mt}`);
  const manifest = parseJson<Manifest>(fetched.bytes, "manifest");
  if (!manifest.config || !isDigest(manifest.config.digest) || !Array.isArray(manifest.layers))
    throw new InvalidArgumentError(`invalid manifest ${fetched.descriptor.digest}: no config or layers`);
  for (const l of manifest.layers)
    if (!l || !isDigest(l.digest) || typeof l.size !== "number") throw new InvalidArgumentError(`invalid manifest ${fetched.descriptor.digest}: bad layer descriptor`);
  if (manifest.config.size > maxConfig) throw new InvalidArgumentError(`image config ${manifest.config.digest} is too large`);
  const configBytes = await collect(repo.fetchBlob(manifest.config, opts), maxConfig, "image config");
  const config = parseJson<ImageConfig>(configBytes, "image config");
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === "string" && isDigest(d)))
    throw new InvalidArgumentError(`invalid image config ${manifest.config.digest}: rootfs.diff_ids missing or invalid`);
  if (diffIds.length !== manifest.layers.length)
    throw new InvalidArgumentError(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${manifest.layers.length}`);
  return {
    topDigest,
    manifest,
    manifestBytes: fetched.bytes,
    manifestDesc: { mediaType: mt, digest: fetched.descriptor.digest, size: fetched.bytes.length },
    config,
    configBytes,
  };
}
