/** GET /v2/<name>/tags/list, following `Link: <…>; rel="next"` pages. */
import { InvalidArgumentError } from "../../errdefs/index.js";
import { repoUrl, type RepoContext } from "./context.js";
import { errorForStatus } from "./registry-errors.js";

export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2] ?? "")) return m[1];
  }
  return undefined;
}

export async function listTags(ctx: RepoContext, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  let url: string | undefined = repoUrl(ctx.registryBase, ctx.ref.path, "tags/list");
  for (let page = 0; url !== undefined; page++) {
    if (page > 10_000) throw new InvalidArgumentError("tags/list: too many pages");
    const res = await ctx.session.call({ method: "GET", url, headers: { accept: "application/json" }, signal });
    const text = await res.text();
    if (res.status !== 200) throw errorForStatus(res.status, text, `repository ${ctx.ref.host}/${ctx.ref.path} not found`);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(text) as { tags?: unknown };
    } catch {
      throw new InvalidArgumentError("tags/list: the registry answered with invalid JSON");
    }
    if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === "string") out.push(t);
    const next = nextLink(res.header("link"));
    url = next === undefined ? undefined : new URL(next, res.url).href;
  }
  return out;
}
