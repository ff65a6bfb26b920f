/**
 * Build arguments as the classic builder scopes them: `--build-arg` values, ARG defaults, meta ARGs
 * (before the first FROM) visible in a stage only when re-declared, and the predefined proxy args,
 * usable without ARG and kept out of the image history.
 */
export const PROXY_ARGS: ReadonlySet<string> = new Set([
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "FTP_PROXY",
  "ftp_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
]);

export class BuildArgs {
  private readonly used = new Set<string>();
  /** Meta ARG values (from before the first FROM). */
  readonly meta = new Map<string, string | undefined>();

  constructor(private readonly given: Readonly<Record<string, string | null>>) {}

  /** The --build-arg value for key, if one was given with a value. Marks it used. */
  valueOf(key: string): string | undefined {
    if (!Object.prototype.hasOwnProperty.call(this.given, key)) return undefined;
    this.used.add(key);
    const v = this.given[key];
    return v === null || v === undefined ? undefined : v;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.given, key);
  }

  /** The proxy args given with a value (RUN's environment gets them without ARG). */
  proxyEnv(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(this.given)) {
      if (PROXY_ARGS.has(k) && typeof v === "string") out.push([k, v]);
    }
    return out;
  }

  /** Build args never declared by an ARG (proxy args excepted), sorted. */
  unused(): string[] {
    return Object.keys(this.given)
      .filter((k) => !this.used.has(k) && !PROXY_ARGS.has(k))
      .sort();
  }
}

/** `KEY=value` list → key. */
export function envKey(e: string): string {
  const i = e.indexOf("=");
  return i < 0 ? e : e.slice(0, i);
}

/** Sets KEY=value in an env list (replacing an existing KEY). */
export function setEnv(list: readonly string[], key: string, value: string): string[] {
  const out = list.filter((e) => envKey(e) !== key);
  const i = list.findIndex((e) => envKey(e) === key);
  const entry = `${key}=${value}`;
  if (i < 0) return [...out, entry];
  const copy = [...list];
  copy[i] = entry;
  return copy;
}
