/**
 * Docker image references (distribution/reference semantics): parsing, normalisation to the full
 * form (`busybox` → `docker.io/library/busybox:latest`) and the familiar short form for display.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

export const defaultDomain = "docker.io";
const legacyDefaultDomain = "index.docker.io";
const officialRepoPrefix = "library/";
export const defaultTag = "latest";

const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainName = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})(?::[0-9]+)?`;
const pathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const namePat = `(?:${domainName}/)?${pathComponent}(?:/${pathComponent})*`;
const tagPat = "[\\w][\\w.-]{0,127}";
const digestPat = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const tagRe = new RegExp(`^${tagPat}$`);
const identifierRe = /^[a-f0-9]{64}$/;
const nameTotalLengthMax = 255;

/** A parsed, normalised reference. `name` is the full repository name (`docker.io/library/busybox`). */
export interface Reference {
  /** Registry host (`docker.io`, `localhost:5000`). */
  domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  /** `${domain}/${path}`. */
  name: string;
  tag?: string;
  digest?: string;
}

/** A reference that may also be a bare image id/digest (`sha256:…` or 64 hex). */
export type AnyReference = Reference | { digest: string; name?: undefined; tag?: undefined };

function invalid(msg = "invalid reference format"): InvalidArgumentError {
  return new InvalidArgumentError(msg);
}

/** Parses an already-full reference (no normalisation). Errors use docker's messages. */
function parseFull(s: string): Reference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === "") throw invalid("invalid reference format: repository name must have at least one component");
    if (referenceRe.test(s.toLowerCase())) throw invalid("invalid reference format: repository name must be lowercase");
    throw invalid();
  }
  const name = m[1] ?? "";
  if (name.length > nameTotalLengthMax)
    throw invalid(`invalid reference format: repository name must not be more than ${nameTotalLengthMax} characters`);
  const slash = name.indexOf("/");
  const ref: Reference = { domain: name.slice(0, slash), path: name.slice(slash + 1), name };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    if (!/^sha256:[a-f0-9]{64}$/.test(m[3])) {
      if (m[3].startsWith("sha256:")) throw invalid("invalid reference format: invalid checksum digest length");
      throw invalid("invalid reference format: unsupported digest algorithm");
    }
    ref.digest = m[3];
  }
  return ref;
}

function splitDockerDomain(s: string): { domain: string; remainder: string } {
  const i = s.indexOf("/");
  let domain: string;
  let remainder: string;
  const first = i === -1 ? "" : s.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
    domain = defaultDomain;
    remainder = s;
  } else {
    domain = first;
    remainder = s.slice(i + 1);
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (domain === defaultDomain && !remainder.includes("/")) remainder = officialRepoPrefix + remainder;
  return { domain, remainder };
}

/** docker's ParseNormalizedNamed: `busybox` → docker.io/library/busybox (no tag added). */
export function parseNormalizedNamed(s: string): Reference {
  if (identifierRe.test(s))
    throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const { domain, remainder } = splitDockerDomain(s);
  const tagSep = remainder.indexOf(":");
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName)
    throw invalid(`invalid reference format: repository name (${remoteName}) must be lowercase`);
  return parseFull(`${domain}/${remainder}`);
}

/** docker's ParseAnyReference: a 64-hex id or `sha256:<64 hex>` is a digest reference; else a named one. */
export function parseAnyReference(s: string): AnyReference {
  if (identifierRe.test(s)) return { digest: `sha256:${s}` };
  if (/^sha256:[a-f0-9]{64}$/.test(s)) return { digest: s };
  return parseNormalizedNamed(s);
}

/** Adds `:latest` when the reference has neither tag nor digest. */
export function tagNameOnly(ref: Reference): Reference {
  if (ref.tag === undefined && ref.digest === undefined) return { ...ref, tag: defaultTag };
  return ref;
}

/** Parses and normalises, adding `:latest` when no tag or digest is given. */
export function parseNormalizedTagged(s: string): Reference {
  return tagNameOnly(parseNormalizedNamed(s));
}

export function validateTag(tag: string): void {
  if (!tagRe.test(tag)) throw invalid(`invalid tag format`);
}

/** Full string: `docker.io/library/busybox:latest`, `…@sha256:…`. */
export function referenceString(ref: Reference): string {
  return ref.name + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

/** Familiar repository name: `docker.io/library/busybox` → `busybox`, `docker.io/a/b` → `a/b`. */
export function familiarName(ref: Pick<Reference, "domain" | "path"> | string): string {
  const r = typeof ref === "string" ? splitFullName(ref) : ref;
  if (r.domain !== defaultDomain) return `${r.domain}/${r.path}`;
  if (r.path.startsWith(officialRepoPrefix) && !r.path.slice(officialRepoPrefix.length).includes("/"))
    return r.path.slice(officialRepoPrefix.length);
  return r.path;
}

/** Familiar string: `busybox:latest`, `localhost:5000/x:y`, `a/b@sha256:…`. */
export function familiarString(ref: Reference): string {
  return familiarName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

function splitFullName(name: string): { domain: string; path: string } {
  const i = name.indexOf("/");
  return { domain: name.slice(0, i), path: name.slice(i + 1) };
}

/** Parses a stored full reference string (as produced by referenceString). */
export function parseFullReference(s: string): Reference {
  return parseFull(s);
}

/** Familiar form of a stored full reference string. */
export function familiarize(full: string): string {
  return familiarString(parseFull(full));
}
