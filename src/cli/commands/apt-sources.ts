/**
 * The machine's configured apt sources, for `berth image debian`: one-line `sources.list` files
 * (`deb [opts] URI SUITE COMPONENT...`) and deb822 `*.sources` files (Types/URIs/Suites/Components
 * stanzas, `Enabled: no` skipped). Only binary (`deb`) sources count.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  /** The file it came from. */
  file: string;
}

/** Parses one-line format text. */
export function parseSourcesList(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const words = line.replace(/\[[^\]]*\]/, " ").trim().split(/\s+/);
    if (words[0] !== "deb" || words.length < 3) continue;
    out.push({ uri: (words[1] as string).replace(/\/+$/, ""), suites: [words[2] as string], components: words.slice(3), file });
  }
  return out;
}

/** Parses deb822 text (`.sources`): stanzas separated by blank lines, `#` comments, continuation lines. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split("\n")) {
      if (raw.startsWith("#")) continue;
      if (/^[ \t]/.test(raw) && last !== undefined) {
        fields.set(last, `${fields.get(last) ?? ""} ${raw.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+):(.*)$/.exec(raw);
      if (m === null) continue;
      last = (m[1] as string).toLowerCase();
      fields.set(last, (m[2] as string).trim());
    }
    const words = (k: string): string[] => (fields.get(k) ?? "").split(/\s+/).filter((w) => w !== "");
    if (!words("types").includes("deb")) continue;
    if (/^(no|false|0)$/i.test(fields.get("enabled") ?? "")) continue;
    const suites = words("suites");
    for (const uri of words("uris")) {
      if (suites.length > 0) out.push({ uri: uri.replace(/\/+$/, ""), suites, components: words("components"), file });
    }
  }
  return out;
}

/** All `deb` sources of an apt configuration root (default /etc/apt). */
export function readAptSources(aptDir = "/etc/apt"): AptSource[] {
  const out: AptSource[] = [];
  const read = (f: string): string | undefined => {
    try {
      return readFileSync(f, "utf8");
    } catch {
      return undefined;
    }
  };
  const main = read(path.join(aptDir, "sources.list"));
  if (main !== undefined) out.push(...parseSourcesList(main, path.join(aptDir, "sources.list")));
  let names: string[] = [];
  try {
    names = readdirSync(path.join(aptDir, "sources.list.d")).sort();
  } catch {
    names = [];
  }
  for (const n of names) {
    const f = path.join(aptDir, "sources.list.d", n);
    const text = n.endsWith(".list") || n.endsWith(".sources") ? read(f) : undefined;
    if (text === undefined) continue;
    out.push(...(n.endsWith(".list") ? parseSourcesList(text, f) : parseDeb822Sources(text, f)));
  }
  return out;
}

/** A release suite (bookworm), not an overlay (bookworm-updates, bookworm-security, bookworm/updates). */
const isReleaseSuite = (s: string): boolean => !/[-/]/.test(s);

/**
 * The mirror and suite to debootstrap from: the source carrying `suite`, or the first release suite
 * configured. Undefined when nothing fits.
 */
export function pickSource(sources: readonly AptSource[], suite: string | undefined): { uri: string; suite: string; components: string[] } | undefined {
  for (const s of sources) {
    const found = suite !== undefined ? s.suites.find((x) => x === suite) : s.suites.find(isReleaseSuite);
    if (found !== undefined) return { uri: s.uri, suite: found, components: s.components };
  }
  return undefined;
}
