/**
 * `.dockerignore` with moby's semantics (moby/patternmatcher + the dockerignore reader):
 * `#` comment lines, trimmed lines, a leading `!` marks an exclusion (re-inclusion; later lines win),
 * patterns are cleaned like Go's filepath.Clean with a leading `/` dropped, `**` matches any number
 * of directories, the rest is Go filepath.Match syntax (`*`, `?`, `[a-z]`, `[^a]`, `\` escapes),
 * and a pattern matching a parent directory matches everything under it.
 *
 * Also exports the two Go helpers the builder needs: filepath.Clean and filepath.Match (per path
 * component, `/` never matched by a wildcard).
 */
import { InvalidArgumentError } from "../errdefs/index.js";

/** Go's filepath.Clean for `/`-separated paths. */
export function goCleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const c of p.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(c);
  }
  const body = out.join("/");
  if (rooted) return "/" + body;
  return body === "" ? "." : body;
}

const BAD_PATTERN = "syntax error in pattern";

/** Reads one class/escaped character of a Go pattern at i; returns the index after it or -1 (bad). */
function classChar(p: string, i: number): number {
  if (i >= p.length) return -1;
  const c = p[i];
  if (c === "-" || c === "]") return -1;
  if (c === "\\") return i + 1 < p.length ? i + 2 : -1;
  return i + (p.codePointAt(i)! > 0xffff ? 2 : 1);
}

/** Throws InvalidArgumentError("syntax error in pattern") when Go's filepath.Match would return ErrBadPattern. */
export function validateGoPattern(p: string): void {
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === "\\") {
      if (i + 1 >= p.length) throw new InvalidArgumentError(BAD_PATTERN);
      i += 2;
      continue;
    }
    if (c !== "[") {
      i++;
      continue;
    }
    i++;
    if (p[i] === "^") i++;
    let ranges = 0;
    for (;;) {
      if (i < p.length && p[i] === "]" && ranges > 0) {
        i++;
        break;
      }
      const lo = classChar(p, i);
      if (lo < 0) throw new InvalidArgumentError(BAD_PATTERN);
      i = lo;
      if (p[i] === "-") {
        const hi = classChar(p, i + 1);
        if (hi < 0) throw new InvalidArgumentError(BAD_PATTERN);
        i = hi;
      }
      ranges++;
    }
  }
}

const REGEX_SYNTAX = new Set(["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]);

function literal(ch: string, inClass: boolean): string {
  if (REGEX_SYNTAX.has(ch) || (inClass && ch === "-")) return "\\" + ch;
  return ch;
}

/**
 * Translates a cleaned pattern to a regular expression the way moby's patternmatcher does:
 * `**` (eating a following `/`) → any run of directories, `**` at the end → anything, `*` → no `/`,
 * `?` → one non-`/` character, `[...]` kept as a class, `\x` → literal x.
 */
export function patternToRegExp(pattern: string, opts: { doubleStar: boolean } = { doubleStar: true }): RegExp {
  validateGoPattern(pattern);
  let re = "^";
  let inClass = false;
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (inClass) {
      if (ch === "]") {
        re += "]";
        inClass = false;
      } else if (ch === "\\") {
        re += literal(chars[++i] as string, true);
      } else if (ch === "-") {
        re += "-";
      } else if (ch === "^" && chars[i - 1] === "[") {
        re += "^";
      } else {
        re += literal(ch, true);
      }
      continue;
    }
    if (ch === "*") {
      if (opts.doubleStar && chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++;
        re += i + 1 >= chars.length ? ".*" : "(?:.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "\\") {
      re += literal(chars[++i] as string, false);
    } else if (ch === "[") {
      re += "[";
      inClass = true;
    } else {
      re += literal(ch, false);
    }
  }
  re += "$";
  try {
    return new RegExp(re, "u");
  } catch (e) {
    throw new InvalidArgumentError(BAD_PATTERN, { cause: e });
  }
}

const goMatchCache = new Map<string, RegExp>();

/** Go's filepath.Match(pattern, name) with `/` as the separator (wildcards never match `/`). */
export function goPathMatch(pattern: string, name: string): boolean {
  let re = goMatchCache.get(pattern);
  if (re === undefined) {
    re = patternToRegExp(pattern, { doubleStar: false });
    if (goMatchCache.size > 1000) goMatchCache.clear();
    goMatchCache.set(pattern, re);
  }
  return re.test(name);
}

/** True when the string has Go filepath.Match metacharacters (`*`, `?`, `[`, `\`). */
export function hasGoMeta(s: string): boolean {
  return /[*?[\\]/.test(s);
}

/**
 * Parses `.dockerignore` text into patterns, like moby's dockerignore.ReadAll: a UTF-8 BOM is
 * dropped, lines starting with `#` are comments, lines are trimmed, empty lines skipped, `!` kept
 * as a prefix, the rest cleaned with a leading `/` removed.
 */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = goCleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    out.push(invert ? "!" + pattern : pattern);
  }
  return out;
}

interface CompiledPattern {
  exclusion: boolean;
  cleaned: string;
  /** moby's suffix match: a pattern starting with `**` and no other wildcard or escape after it. */
  suffix: string | undefined;
  re: RegExp;
  /** Per-component regexps (undefined for a component holding `**`). */
  dirs: Array<RegExp | undefined>;
}

/** A clean context-relative path: a leading `/` is dropped (but "/" itself stays, as in moby's tests). */
function cleanRel(p: string): string {
  const c = goCleanPath(p);
  return c.length > 1 && c.startsWith("/") ? c.slice(1) : c;
}

export class IgnoreMatcher {
  private readonly patterns: CompiledPattern[] = [];
  /** Whether any `!` pattern exists. */
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    let exclusions = false;
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === "") continue;
      let exclusion = false;
      if (p.startsWith("!")) {
        if (p.length === 1) throw new InvalidArgumentError('illegal exclusion pattern: "!"');
        exclusion = true;
        exclusions = true;
        p = p.slice(1);
      }
      p = goCleanPath(p);
      const re = patternToRegExp(p);
      // moby treats `**foo` (no other wildcard, escape or class) as "ends with foo", so it also matches
      // "barfoo"; `**/foo` as "ends with /foo or is foo". The regexp would only match the latter.
      const suffix = p.startsWith("**") && !/[*?[\]\\]/.test(p.slice(2)) ? p.slice(2) : undefined;
      const dirs = p.split("/").map(componentRegExp);
      this.patterns.push({ exclusion, cleaned: p, suffix, re, dirs });
    }
    this.hasExclusions = exclusions;
  }

  /** The patterns as cleaned (exclusions with their `!`). */
  get cleanedPatterns(): string[] {
    return this.patterns.map((p) => (p.exclusion ? "!" + p.cleaned : p.cleaned));
  }

  /**
   * Whether relPath (relative to the context root, `/`-separated) is excluded, moby's
   * MatchesOrParentMatches: a pattern matching the path or any of its parent directories applies;
   * later patterns override earlier ones.
   */
  matches(relPath: string): boolean {
    const file = cleanRel(relPath);
    if (file === ".") return false; // moby: "don't let them exclude everything"
    const slash = file.lastIndexOf("/");
    const parents = slash < 0 ? [] : file.slice(0, slash).split("/");
    let matched = false;
    for (const pat of this.patterns) {
      if (pat.exclusion !== matched) continue;
      let m = matchOne(pat, file);
      if (!m) {
        for (let i = 0; i < parents.length && !m; i++) m = matchOne(pat, parents.slice(0, i + 1).join("/"));
      }
      if (m) matched = !pat.exclusion;
    }
    return matched;
  }

  /**
   * True when some exclusion (`!`) pattern could re-include relDir or something under it, so a walker
   * must descend into an excluded directory instead of skipping it whole. Conservative: `**` counts
   * as "could".
   */
  mayReinclude(relDir: string): boolean {
    if (!this.hasExclusions) return false;
    const dir = cleanRel(relDir);
    const dc = dir === "." || dir === "/" ? [] : dir.split("/");
    for (const pat of this.patterns) {
      if (!pat.exclusion) continue;
      if (couldMatchUnder(pat.dirs, dc)) return true;
    }
    return false;
  }
}

/** A per-component regexp for mayReinclude; undefined (= "could match anything") for `**` or a component a `/` split apart. */
function componentRegExp(d: string): RegExp | undefined {
  if (d.includes("**")) return undefined;
  try {
    return patternToRegExp(d, { doubleStar: false });
  } catch {
    return undefined;
  }
}

function matchOne(pat: CompiledPattern, p: string): boolean {
  if (pat.suffix === undefined) return pat.re.test(p);
  return p.endsWith(pat.suffix) || (pat.suffix.startsWith("/") && p === pat.suffix.slice(1));
}

function couldMatchUnder(pc: Array<RegExp | undefined>, dc: string[]): boolean {
  for (let i = 0; ; i++) {
    if (i >= pc.length) return true; // matches the dir or an ancestor: everything under it
    const re = pc[i];
    if (re === undefined) return true; // `**`
    if (i >= dc.length) return true; // longer than the dir: may match something below it
    if (!re.test(dc[i] as string)) return false;
  }
}
