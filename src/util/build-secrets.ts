/**
 * Build secrets (`berth build --secret id=x,src=file`): the bytes the client sent with POST /build,
 * visible to the RUN steps of that one build only (an AsyncLocalStorage around the build call), so
 * they never pass through the build's options, cache keys, history or logs.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type BuildSecrets = ReadonlyMap<string, Buffer>;

const store = new AsyncLocalStorage<BuildSecrets>();

/** Runs fn (a build) with its secrets in scope. */
export function withBuildSecrets<T>(secrets: BuildSecrets, fn: () => Promise<T>): Promise<T> {
  return store.run(secrets, fn);
}

/** The secrets of the build running in this async context (empty outside one). */
export function currentBuildSecrets(): BuildSecrets {
  return store.getStore() ?? new Map();
}

/** The `X-Berth-Build-Secrets` header's value: base64 of JSON {id: base64 bytes}. */
export const BUILD_SECRETS_HEADER = "x-berth-build-secrets";

export function encodeBuildSecrets(secrets: ReadonlyMap<string, Buffer>): string {
  const o: Record<string, string> = {};
  for (const [k, v] of secrets) o[k] = v.toString("base64");
  return Buffer.from(JSON.stringify(o)).toString("base64");
}

/** Parses the header; undefined when malformed. */
export function decodeBuildSecrets(header: string): Map<string, Buffer> | undefined {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== "string" || k === "") return undefined;
    out.set(k, Buffer.from(v, "base64"));
  }
  return out;
}
