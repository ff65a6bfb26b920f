import { RegistryError } from "./errors.js";
import { checkRepoName } from "./names.js";

/** One endpoint of the distribution API, with the parts of its path. */
export type Route =
  | { kind: "base" }
  | { kind: "catalog" }
  | { kind: "tags"; name: string }
  | { kind: "manifest"; name: string; reference: string }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "upload-start"; name: string }
  | { kind: "upload"; name: string; uuid: string }
  | { kind: "referrers"; name: string; digest: string };

const patterns: [RegExp, (m: RegExpExecArray) => Route][] = [
  [/^(.+)\/tags\/list$/, (m) => ({ kind: "tags", name: m[1] ?? "" })],
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: "manifest", name: m[1] ?? "", reference: m[2] ?? "" })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: "upload-start", name: m[1] ?? "" })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: "upload", name: m[1] ?? "", uuid: m[2] ?? "" })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: "blob", name: m[1] ?? "", digest: m[2] ?? "" })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: "referrers", name: m[1] ?? "", digest: m[2] ?? "" })],
];

/**
 * Maps a request path to a route. Unknown paths → undefined (404 by the caller); a route whose
 * repository name breaks the grammar (`..`, empty components, upper case…) → NAME_INVALID.
 */
export function route(pathname: string): Route | undefined {
  if (pathname === "/v2/" || pathname === "/v2") return { kind: "base" };
  if (pathname === "/v2/_catalog") return { kind: "catalog" };
  if (!pathname.startsWith("/v2/")) return undefined;
  const rest = pathname.slice(4);
  for (const [re, make] of patterns) {
    const m = re.exec(rest);
    if (!m) continue;
    const r = make(m);
    if ("name" in r) checkRepoName(r.name);
    return r;
  }
  return undefined;
}

/** The method set each route answers, for 405s. */
export function methodsOf(r: Route): string[] {
  switch (r.kind) {
    case "base":
    case "catalog":
    case "tags":
    case "referrers":
      return ["GET", "HEAD"];
    case "manifest":
      return ["GET", "HEAD", "PUT", "DELETE"];
    case "blob":
      return ["GET", "HEAD", "DELETE"];
    case "upload-start":
      return ["POST"];
    case "upload":
      return ["GET", "PATCH", "PUT", "DELETE"];
  }
}

export function isWrite(method: string): boolean {
  return method === "PUT" || method === "POST" || method === "PATCH" || method === "DELETE";
}
