import { RegistryError } from "./errors.js";
import { isSha256Digest } from "./names.js";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** The largest manifest accepted (the OCI spec's recommended minimum a registry should take). */
export const MAX_MANIFEST = 4 << 20;

/** What the store needs to know about an uploaded manifest. */
export interface ParsedManifest {
  mediaType: string;
  blobs: string[];
  children: string[];
  subject: string | undefined;
  artifactType: string | undefined;
  annotations: Record<string, string> | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(detail: string): RegistryError {
  return new RegistryError("MANIFEST_INVALID", detail);
}

function descriptorDigest(d: unknown, where: string): string {
  if (!isObject(d) || typeof d["digest"] !== "string" || !isSha256Digest(d["digest"])) throw invalid(`${where}: invalid descriptor`);
  if (typeof d["size"] !== "number" || !Number.isSafeInteger(d["size"]) || d["size"] < 0) throw invalid(`${where}: invalid size`);
  return d["digest"];
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/**
 * Parses a manifest PUT body: Docker v2 schema 2, Docker manifest list, OCI image manifest or OCI
 * index (schema 1 refused). The media type comes from the body, else from Content-Type; the two must
 * agree when both are given.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalid("manifest is not valid JSON");
  }
  if (!isObject(doc)) throw invalid("manifest is not a JSON object");
  if (doc["schemaVersion"] !== 2) throw invalid("unsupported manifest schema version (only schemaVersion 2 is supported)");
  const ct = contentType?.split(";")[0]?.trim();
  const bodyType = typeof doc["mediaType"] === "string" ? doc["mediaType"] : undefined;
  if (bodyType !== undefined && ct !== undefined && ct !== "" && ct !== bodyType && ct !== "application/json" && ct !== "application/octet-stream")
    throw invalid(`media type ${JSON.stringify(bodyType)} does not match Content-Type ${JSON.stringify(ct)}`);
  const isIndex = Array.isArray(doc["manifests"]);
  const mediaType = bodyType ?? (ct && ct !== "application/json" && ct !== "application/octet-stream" ? ct : isIndex ? OCI_INDEX : OCI_MANIFEST);
  const known = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];
  if (!known.includes(mediaType)) throw invalid(`unsupported manifest media type ${JSON.stringify(mediaType)}`);
  const wantIndex = mediaType === OCI_INDEX || mediaType === DOCKER_LIST;
  let subject: string | undefined;
  if (doc["subject"] !== undefined) subject = descriptorDigest(doc["subject"], "subject");
  const annotations = stringMap(doc["annotations"]);
  let artifactType = typeof doc["artifactType"] === "string" ? doc["artifactType"] : undefined;
  if (wantIndex) {
    if (!isIndex) throw invalid("index without manifests");
    const children = (doc["manifests"] as unknown[]).map((d, i) => descriptorDigest(d, `manifests[${i}]`));
    return { mediaType, blobs: [], children, subject, artifactType, annotations };
  }
  if (!isObject(doc["config"]) || !Array.isArray(doc["layers"])) throw invalid("manifest without config or layers");
  const config = doc["config"];
  const blobs = [descriptorDigest(config, "config")];
  (doc["layers"] as unknown[]).forEach((l, i) => {
    const d = descriptorDigest(l, `layers[${i}]`);
    // Foreign (non-distributable) layers with URLs are not stored here.
    if (isObject(l) && Array.isArray(l["urls"]) && l["urls"].length > 0) return;
    blobs.push(d);
  });
  if (artifactType === undefined && typeof config["mediaType"] === "string" && subject !== undefined) artifactType = config["mediaType"];
  return { mediaType, blobs: [...new Set(blobs)], children: [], subject, artifactType, annotations };
}
