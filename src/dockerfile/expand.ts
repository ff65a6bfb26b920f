/**
 * Shell-word processing as BuildKit's frontend/dockerfile/shell does it: quotes (`'...'` literal,
 * `"..."` expanding), the escape character (`\` or `` ` ``), `$V` / `${V}` and the modifiers
 * `${V:-x} ${V-x} ${V:+x} ${V+x} ${V:?msg} ${V?msg} ${V#p} ${V##p} ${V%p} ${V%%p} ${V/p/r} ${V//p/r}`.
 * No command substitution, no arithmetic: this is not a shell, it is what Dockerfile instructions
 * see before anything runs.
 */
import { InvalidArgumentError } from "../errdefs/index.js";
import { isSpace } from "./words.js";

/** Where variable values come from: a Map, a plain record, or a lookup function (undefined = unset). */
export type EnvLookup =
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string>>
  | ((name: string) => string | undefined);

export interface LexOptions {
  /** The escape character (`\` by default, or `` ` `` after `# escape=``). */
  escape?: string;
  /** Keep quote characters in the output (they still group and protect). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (used for heredoc bodies). */
  skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X:-y}`). */
  skipUnsetEnv?: boolean;
}

export interface ProcessResult {
  /** The word with quotes removed and variables substituted, spaces kept. */
  result: string;
  /** The same, split into words on unquoted whitespace (whitespace from a variable splits too). */
  words: string[];
  /** Variables referenced and set / referenced and unset. */
  matched: Set<string>;
  unmatched: Set<string>;
}

export function lookupEnv(env: EnvLookup, name: string): string | undefined {
  if (typeof env === "function") return env(name);
  if (env instanceof Map) return env.get(name);
  const rec = env as Readonly<Record<string, string>>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

/** `["A=1", "B=x=y", "C"]` (an image config's Env) → Map; later entries win, a bare name is "". */
export function envFromList(list: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list) {
    const i = e.indexOf("=");
    if (i < 0) m.set(e, "");
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

const EOF = "";

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}
function isDigit(ch: string): boolean {
  return /^\p{Nd}$/u.test(ch);
}
function isSpecialParam(ch: string): boolean {
  return "@*#?-$!0".includes(ch) && ch !== EOF;
}
function isHeredocSpace(ch: string): boolean {
  return ch === "\t" || ch === "\r" || ch === " ";
}

class Words {
  buf = "";
  words: string[] = [];
  inWord = false;
  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf.length > 0) {
        this.words.push(this.buf);
        this.buf = "";
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  get(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = "";
      this.inWord = false;
    }
    return this.words;
  }
}

class LexError extends Error {}

class ShellWord {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    word: string,
    private readonly env: EnvLookup,
    private readonly opts: Required<LexOptions>,
  ) {
    this.chars = Array.from(word);
    this.rawEscapes = opts.rawEscapes;
  }

  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }
  private next(): string {
    const ch = this.chars[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }

  run(): { result: string; words: string[] } {
    return this.processStopOn(EOF, this.opts.rawEscapes);
  }

  private processStopOn(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = "";
      const words = new Words();
      const esc = this.opts.escape;
      while (this.peek() !== EOF) {
        const ch = this.peek();
        if (stop !== EOF && ch === stop) {
          this.next();
          return { result, words: words.get() };
        }
        let special: string | undefined;
        if (ch === "$") special = this.processDollar();
        else if (ch === "<") special = this.processPossibleHeredoc();
        else if (!this.opts.skipProcessQuotes && ch === "'") special = this.processSingleQuote();
        else if (!this.opts.skipProcessQuotes && ch === '"') special = this.processDoubleQuote();
        if (special !== undefined) {
          result += special;
          if (ch === "$") words.addString(special);
          else words.addRawString(special);
          continue;
        }
        let c = this.next();
        if (c === esc) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          c = this.next();
          if (c === EOF) break;
          words.addRawChar(c);
        } else {
          words.addChar(c);
        }
        result += c;
      }
      if (stop !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.get() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    let result = "";
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new LexError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = "";
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    const esc = this.opts.escape;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new LexError("unexpected end of statement while looking for matching double-quote");
      if (p === '"') {
        const ch = this.next();
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      if (p === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === esc) {
        if (this.rawEscapes) result += ch;
        const n = this.peek();
        if (n === EOF) continue; // a lone escape at the end of the word is dropped
        if (n === '"' || n === "$" || n === esc) ch = this.next();
      }
      result += ch;
    }
  }

  private getEnv(name: string): string | undefined {
    const v = lookupEnv(this.env, name);
    if (v === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return v;
  }

  private processName(): string {
    let name = "";
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name.length === 0 && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += this.next();
        return name;
      }
      if (name.length === 0 && isSpecialParam(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== "_") break;
      name += this.next();
    }
    return name;
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return "$" + name;
      return value ?? "";
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LexError("syntax error: bad substitution");
    const name = this.processName();
    let ch = this.next();
    let chs = ch;
    if (ch === EOF) throw new LexError("syntax error: missing '}'");
    if (ch === "}") {
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return "${" + name + "}";
      return value ?? "";
    }
    if (ch === "/") return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === ":") {
      nullIsUnset = true;
      ch = this.next();
      chs += ch;
    }
    if (!"+-?#%".includes(ch) || ch === EOF) {
      throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
    const patternOp = ch === "#" || ch === "%";
    if (nullIsUnset && patternOp) throw new LexError(`unsupported modifier (${chs}) in substitution`);
    let word: string;
    try {
      word = this.processStopOn("}", patternOp).result;
    } catch (err) {
      if (this.peek() === EOF) throw new LexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.getEnv(name);
    const set = value !== undefined;
    if (!set && this.opts.skipUnsetEnv) return "${" + name + chs + word + "}";
    const v = value ?? "";
    switch (ch) {
      case "-":
        return !set || (nullIsUnset && v === "") ? word : v;
      case "+":
        return !set || (nullIsUnset && v === "") ? "" : word;
      case "?":
        if (!set) throw new LexError(`${name}: ${word !== "" ? word : "is not allowed to be unset"}`);
        if (nullIsUnset && v === "") {
          throw new LexError(`${name}: ${word !== "" ? word : "is not allowed to be empty"}`);
        }
        return v;
      default: {
        let pattern = word;
        let greedy = false;
        if (pattern.startsWith(ch)) {
          greedy = true;
          pattern = pattern.slice(1);
        }
        return ch === "%" ? trimSuffix(pattern, v, greedy) : trimPrefix(pattern, v, greedy);
      }
    }
  }

  private processReplace(name: string): string {
    const all = this.peek() === "/";
    if (all) this.next();
    let pattern: string;
    try {
      pattern = this.processStopOn("/", true).result;
    } catch (err) {
      if (this.peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
      throw err;
    }
    let replacement: string;
    try {
      replacement = this.processStopOn("}", true).result;
    } catch (err) {
      if (this.peek() === EOF) throw new LexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return "${" + name + "/" + pattern + "/" + replacement + "}";
    const v = value ?? "";
    const re = shellPatternToRegExp(pattern, true, false, all);
    if (all) return v.replace(re, () => replacement);
    const m = re.exec(v);
    if (!m) return v;
    return v.slice(0, m.index) + replacement + v.slice(m.index + m[0].length);
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== "<") return "<";
    this.next();
    let space = "";
    while (isHeredocSpace(this.peek())) space += this.next();
    return "<<" + space;
  }
}

/**
 * A shell wildcard pattern (`*`, `?`, `\` escapes; no brackets) as a RegExp. `*` is greedy or
 * shortest; `anchored` matches at the start only.
 */
export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? "^" : "";
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i] ?? "";
    switch (tok) {
      case "*":
        out += greedy ? "[^\\n]*" : "[^\\n]*?";
        continue;
      case "?":
        out += "[^\\n]";
        continue;
      case "\\": {
        const n = chars[i + 1];
        if (n === "}" || n === "/") continue; // the escape belonged to ${...}, not the pattern
        if (n !== "*" && n !== "?" && n !== "\\") {
          throw new LexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ""}'`);
        }
        out += "\\" + n;
        i++;
        continue;
      }
      default:
        out += /[.+^${}()|[\]\\/]/.test(tok) ? "\\" + tok : tok;
    }
  }
  return new RegExp(out, global ? "gu" : "u");
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegExp(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = chars[i] ?? "";
    const o = last - i;
    if (tok === "\\" && i !== last) {
      out[o - 1] = tok;
      out[o] = chars[i + 1] ?? "";
      i += 2;
    } else {
      out[o] = tok;
      i++;
    }
  }
  return out.join("");
}

function reverseString(s: string): string {
  return Array.from(s).reverse().join("");
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

function fullOptions(opts: LexOptions | string | undefined): Required<LexOptions> {
  const o = typeof opts === "string" ? { escape: opts } : (opts ?? {});
  return {
    escape: o.escape ?? "\\",
    rawQuotes: o.rawQuotes ?? false,
    rawEscapes: o.rawEscapes ?? false,
    skipProcessQuotes: o.skipProcessQuotes ?? false,
    skipUnsetEnv: o.skipUnsetEnv ?? false,
  };
}

/** Processes `word` fully; throws InvalidArgumentError(`failed to process "<word>": <reason>`). */
export function processWord(word: string, env: EnvLookup, opts?: LexOptions | string): ProcessResult {
  const sw = new ShellWord(word, env, fullOptions(opts));
  try {
    const { result, words } = sw.run();
    return { result, words, matched: sw.matched, unmatched: sw.unmatched };
  } catch (err) {
    if (err instanceof LexError) {
      throw new InvalidArgumentError(`failed to process ${JSON.stringify(word)}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * One word, as ENV/LABEL/WORKDIR/USER/COPY... values are expanded: quotes removed, variables
 * substituted, whitespace kept. `escape` is the Dockerfile's escape character.
 */
export function expandWord(word: string, env: EnvLookup, escape = "\\"): string {
  return processWord(word, env, { escape }).result;
}

/** Like expandWord, then split on unquoted whitespace (EXPOSE does this). */
export function expandWords(word: string, env: EnvLookup, escape = "\\"): string[] {
  return processWord(word, env, { escape }).words;
}

/** A heredoc body whose delimiter was not quoted: `$V` expands, quotes are ordinary characters. */
export function expandHeredocContent(data: string, env: EnvLookup): string {
  return processWord(data, env, { escape: "\\", skipProcessQuotes: true }).result;
}
