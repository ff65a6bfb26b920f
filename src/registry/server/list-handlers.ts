import { RegistryError } from "./errors.js";
import { pageSize, send, sendJson, type Ctx } from "./http-util.js";
import { OCI_INDEX } from "./manifest.js";
import { isSha256Digest, looksLikeDigest } from "./names.js";

/** Default page of the catalog (distribution's maxEntries). */
const CATALOG_PAGE = 100;
const MAX_PAGE = 10000;

function nextLink(pathname: string, n: number, last: string): string {
  return `<${pathname}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

/** A page of `list(last, n+1)`: the items, and a Link header when there are more. */
function page(ctx: Ctx, defaultN: number, list: (last: string, n: number) => string[]): { items: string[]; headers: Record<string, string> } {
  const n = Math.min(pageSize(ctx.url) ?? defaultN, MAX_PAGE);
  const last = ctx.url.searchParams.get("last") ?? "";
  if (n === 0) return { items: [], headers: {} };
  const got = list(last, n + 1);
  const items = got.slice(0, n);
  const headers: Record<string, string> = {};
  if (got.length > n) headers["Link"] = nextLink(ctx.url.pathname, n, items[items.length - 1] ?? "");
  return { items, headers };
}

/** GET /v2/<name>/tags/list?n=&last= */
export function listTags(ctx: Ctx, name: string): void {
  if (!ctx.store.repoExists(name)) throw new RegistryError("NAME_UNKNOWN", { name });
  const { items, headers } = page(ctx, MAX_PAGE, (last, n) => ctx.store.tags(name, last, n));
  sendJson(ctx.res, 200, { name, tags: items }, headers);
}

/** GET /v2/_catalog?n=&last= */
export function catalog(ctx: Ctx): void {
  const { items, headers } = page(ctx, CATALOG_PAGE, (last, n) => ctx.store.repositories(last, n));
  sendJson(ctx.res, 200, { repositories: items }, headers);
}

/** GET /v2/<name>/referrers/<digest>?artifactType=: an OCI index of the manifests whose subject is digest. */
export function referrers(ctx: Ctx, name: string, digest: string): void {
  if (!looksLikeDigest(digest) || !isSha256Digest(digest)) throw new RegistryError("DIGEST_INVALID", { digest });
  const filter = ctx.url.searchParams.get("artifactType");
  let list = ctx.store.referrers(name, digest);
  const headers: Record<string, string> = { "Content-Type": OCI_INDEX };
  if (filter !== null) {
    list = list.filter((r) => r.artifactType === filter);
    headers["OCI-Filters-Applied"] = "artifactType";
  }
  const manifests = list.map((r) => {
    const d: Record<string, unknown> = { mediaType: r.mediaType, digest: r.digest, size: r.size };
    if (r.artifactType !== undefined) d["artifactType"] = r.artifactType;
    if (r.annotations !== undefined) d["annotations"] = r.annotations;
    return d;
  });
  send(ctx.res, 200, headers, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}
