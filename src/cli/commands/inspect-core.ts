/** Shared body of `inspect` and `image inspect`: fetch each object, print a JSON array or a template per object. */
import type { CliContext } from "../context.js";
import type { EngineClient } from "../../client/engine-client.js";
import { execTemplate, parseTemplate } from "../format/formatter.js";

/** Go's json.MarshalIndent(v, "", "    ") followed by docker's HTML-unescaping off. */
export function indentJSON(v: unknown): string {
  return JSON.stringify(v, null, 4);
}

export async function inspectAll(ctx: CliContext, names: string[], format: string, type: string, size = false): Promise<number> {
  const tmpl = format !== "" && format !== "json" ? parseTemplate(format.replace(/\\t/g, "\t").replace(/\\n/g, "\n")) : undefined;
  const client = await ctx.client();
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      if (type === "container" || type === "any") {
        const c = await getOrUndefined(client, `/containers/${encodeURIComponent(name)}/json`, size, type === "any");
        if (c !== undefined) {
          found.push(c);
          continue;
        }
      }
      if (type === "image" || type === "any") {
        found.push(await client.get(`/images/${encodeURIComponent(name)}/json`));
      } else {
        errors.push(`Error: No such object: ${name}`);
      }
    } catch (e) {
      if (e instanceof Error && e.name === "DaemonError" && (e as Error & { statusCode: number }).statusCode === 404) {
        errors.push(type === "image" || type === "container" ? `Error response from daemon: ${e.message}` : `Error: No such object: ${name}`);
      } else throw e;
    }
  }
  if (tmpl !== undefined) {
    for (const v of found) ctx.out(`${execTemplate(tmpl, v)}\n`);
    // docker's TemplateInspector.Flush writes a lone newline when nothing was printed.
    if (found.length === 0) ctx.out("\n");
  } else if (format === "json" || found.length > 0 || errors.length === 0) {
    ctx.out(`${indentJSON(found)}\n`);
  } else {
    ctx.out("[]\n");
  }
  if (errors.length > 0) {
    ctx.err(`${errors.join("\n")}\n`);
    return 1;
  }
  return 0;
}

/** GET an object; with `skipMissing`, a 404 gives undefined so the caller can try the next object type. */
async function getOrUndefined(client: EngineClient, path: string, size: boolean, skipMissing: boolean): Promise<unknown> {
  try {
    return await client.get(path, size ? { size: "1" } : undefined);
  } catch (e) {
    if (skipMissing && e instanceof Error && e.name === "DaemonError" && (e as Error & { statusCode: number }).statusCode === 404) return undefined;
    throw e;
  }
}
