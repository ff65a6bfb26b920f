/**
 * Dockerfile text → a list of nodes, one per instruction, as BuildKit's frontend/dockerfile/parser
 * does it: parser directives at the top, line continuations with the escape character, comments
 * and blank lines inside continuations skipped, heredoc bodies attached, original line numbers kept.
 * Arguments are split per instruction but not interpreted: see instructions.ts for that.
 */
import { DockerfileParseError, DockerfileSyntaxError, withLocation } from "./errors.js";
import { heredocsFromLine } from "./heredoc.js";
import type { Heredoc } from "./heredoc.js";
import { parseWords, splitCommand, splitWhitespace } from "./words.js";

export interface Directive {
  /** Lower-case: "escape", "syntax" or "check". */
  name: string;
  value: string;
  line: number;
}

export interface DockerfileNode {
  /** The instruction keyword as written (`run`, `RUN`...). */
  cmd: string;
  /** Leading `--name[=value]` words, quotes processed. */
  flags: string[];
  /**
   * The arguments, split as the instruction needs: exec-form/JSON elements, the whole shell-form
   * string, `[key, value, "=" | ""]` triples for ENV/LABEL, words (quotes kept) for ARG,
   * whitespace-split words for FROM/EXPOSE/COPY/ADD/VOLUME. ONBUILD: the trigger's cmd then its args.
   */
  args: string[];
  /** The arguments came from a JSON array (exec form). */
  json: boolean;
  /** The logical line (continuations joined, comments dropped), without heredoc bodies. */
  original: string;
  heredocs: Heredoc[];
  /** ONBUILD's trigger instruction. */
  child?: DockerfileNode;
  /** 1-based first and last line in the file (including heredoc bodies). */
  startLine: number;
  endLine: number;
  /** Comment lines directly above the instruction, `#` stripped. */
  comments: string[];
}

export interface ParseResult {
  nodes: DockerfileNode[];
  /** The escape character in effect: `\` or `` ` ``. */
  escapeToken: string;
  directives: Directive[];
  /** Lint-style warnings (empty continuation lines), docker's wording. */
  warnings: string[];
}

const DIRECTIVE_RE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const VALID_DIRECTIVES = new Set(["syntax", "escape", "check"]);

const NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only";

class DirectiveState {
  escape = "\\";
  done = false;
  lineNo = 0;
  readonly seen = new Set<string>();
  readonly found: Directive[] = [];
  private continuation = makeContinuationRe("\\");

  get continuationRe(): RegExp {
    return this.continuation;
  }

  /** Looks at one (newline-trimmed) line; returns true if it was a directive. */
  parseLine(line: string): boolean {
    this.lineNo++;
    if (this.done) return false;
    if (!line.startsWith("#")) {
      this.done = true;
      return false;
    }
    const m = DIRECTIVE_RE.exec(line.slice(1).replace(/^\s+/u, ""));
    const key = m?.[1]?.toLowerCase();
    if (!m || key === undefined || !VALID_DIRECTIVES.has(key)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(key)) throw new DockerfileSyntaxError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m[2] ?? "";
    if (key === "escape") {
      if (value !== "`" && value !== "\\") {
        throw new DockerfileSyntaxError(`invalid escape token '${value}' does not match \` or \\`);
      }
      this.escape = value;
      this.continuation = makeContinuationRe(value);
    }
    this.found.push({ name: key, value, line: this.lineNo });
    return true;
  }
}

function makeContinuationRe(escape: string): RegExp {
  const e = "\\" + escape;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

/** Lines with their endings kept. */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf("\n", start);
    if (i < 0) break;
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, "");
const trimLeadingSpace = (s: string): string => s.replace(/^[\s\u0085]+/u, "");
const isComment = (s: string): boolean => trimLeadingSpace(s).startsWith("#");

function parseJSONArgs(rest: string): string[] | undefined {
  const t = trimLeadingSpace(rest);
  if (!t.startsWith("[")) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const e of v) {
    if (typeof e !== "string") throw new DockerfileSyntaxError(NOT_STRING_ARRAY);
    out.push(e);
  }
  return out;
}

type LineParser = (rest: string, escape: string) => { args: string[]; json: boolean; child?: DockerfileNode };

const whitespaceList: LineParser = (rest) => ({ args: rest === "" ? [] : splitWhitespace(rest), json: false });
const single: LineParser = (rest) => ({ args: rest === "" ? [] : [rest], json: false });
const maybeJSON: LineParser = (rest) => {
  if (rest === "") return { args: [], json: false };
  const j = parseJSONArgs(rest);
  return j ? { args: j, json: true } : { args: [rest], json: false };
};
const maybeJSONList: LineParser = (rest, escape) => {
  const j = parseJSONArgs(rest);
  return j ? { args: j, json: true } : whitespaceList(rest, escape);
};

function nameValue(key: string): LineParser {
  return (rest, escape) => {
    const words = parseWords(rest, escape);
    if (words.length === 0) return { args: [], json: false };
    const first = words[0] ?? "";
    if (!first.includes("=")) {
      const parts = splitWhitespace(rest, 2);
      if (parts.length < 2) throw new DockerfileSyntaxError(`${key} must have two arguments`);
      return { args: [parts[0] ?? "", parts[1] ?? "", ""], json: false };
    }
    const args: string[] = [];
    for (const w of words) {
      const i = w.indexOf("=");
      if (i < 0) {
        throw new DockerfileSyntaxError(
          `Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`,
        );
      }
      args.push(w.slice(0, i), w.slice(i + 1), "=");
    }
    return { args, json: false };
  };
}

const healthConfig: LineParser = (rest, escape) => {
  const m = /^[^\s]+/u.exec(rest);
  if (!m) return { args: [], json: false };
  const typ = m[0];
  const cmd = maybeJSON(trimLeadingSpace(rest.slice(typ.length)), escape);
  return { args: [typ, ...cmd.args], json: cmd.json };
};

const subCommand: LineParser = (rest, escape) => {
  if (rest === "") return { args: [], json: false };
  const child = nodeFromLine(rest, escape, []);
  return { args: [child.cmd, ...child.args], json: false, child };
};

const DISPATCH: Record<string, LineParser> = {
  add: maybeJSONList,
  arg: (rest, escape) => ({ args: parseWords(rest, escape), json: false }),
  cmd: maybeJSON,
  copy: maybeJSONList,
  entrypoint: maybeJSON,
  env: nameValue("ENV"),
  expose: whitespaceList,
  from: whitespaceList,
  healthcheck: healthConfig,
  label: nameValue("LABEL"),
  maintainer: single,
  onbuild: subCommand,
  run: maybeJSON,
  shell: maybeJSON,
  stopsignal: single,
  user: single,
  volume: maybeJSONList,
  workdir: single,
};

/** Splits one logical line into a node (no line numbers, no heredoc bodies yet). */
export function nodeFromLine(line: string, escape: string, comments: string[]): DockerfileNode {
  const { cmd, flags, args } = splitCommand(line, escape);
  const fn = DISPATCH[cmd.toLowerCase()];
  const parsed = fn ? fn(args, escape) : { args: [], json: false };
  const node: DockerfileNode = {
    cmd,
    flags,
    args: parsed.args,
    json: parsed.json,
    original: line,
    heredocs: [],
    startLine: 0,
    endLine: 0,
    comments,
  };
  if (parsed.child) node.child = parsed.child;
  return node;
}

function canContainHeredoc(node: DockerfileNode): boolean {
  const n = node.cmd.toLowerCase() === "onbuild" && node.child ? node.child : node;
  const c = n.cmd.toLowerCase();
  return (c === "add" || c === "copy" || c === "run") && !n.json;
}

/**
 * Parses a whole Dockerfile. Throws DockerfileParseError (with the line) on invalid directives,
 * JSON arrays of non-strings, ENV/LABEL syntax errors, unterminated heredocs and empty files.
 * Unknown instructions are kept here and rejected by parseInstruction.
 */
export function parseDockerfileNodes(text: string): ParseResult {
  const d = new DirectiveState();
  const lines = splitLines(text);
  const nodes: DockerfileNode[] = [];
  const warnings: string[] = [];
  let comments: string[] = [];
  let currentLine = 0;
  let i = 0;

  const processLine = (raw: string, stripLeft: boolean): { line: string; directive: boolean } => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeadingSpace(token);
    let directive: boolean;
    try {
      directive = d.parseLine(token);
    } catch (err) {
      throw withLocation(err, currentLine + 1, currentLine + 1);
    }
    return { line: isComment(token) ? "" : token, directive };
  };
  const trimContinuation = (line: string): { line: string; end: boolean } => {
    const re = d.continuationRe;
    if (re.test(line)) return { line: line.replace(re, "$1"), end: false };
    return { line, end: true };
  };

  while (i < lines.length) {
    let raw = lines[i++] ?? "";
    if (currentLine === 0 && raw.startsWith("\uFEFF")) raw = raw.slice(1);
    if (isComment(raw)) {
      const c = trimLeadingSpace(raw).slice(1).trim();
      if (c === "") comments = [];
      else comments.push(c);
    }
    const first = processLine(raw, true);
    if (first.directive) comments.pop();
    currentLine++;
    const startLine = currentLine;
    let { line: text0, end } = trimContinuation(first.line);
    if (end && text0.length === 0) continue;
    let buf = text0;
    let emptyContinuation = false;
    while (!end && i < lines.length) {
      const r = lines[i++] ?? "";
      const { line } = processLine(r, false);
      currentLine++;
      if (isComment(r)) continue;
      if (trimLeadingSpace(line).length === 0) {
        emptyContinuation = true;
        continue;
      }
      const t = trimContinuation(line);
      buf += t.line;
      end = t.end;
    }
    if (emptyContinuation) warnings.push(`Empty continuation line found in: ${buf}`);

    let node: DockerfileNode;
    try {
      node = nodeFromLine(buf, d.escape, comments);
    } catch (err) {
      throw withLocation(err, startLine, currentLine);
    }

    if (canContainHeredoc(node) && buf.includes("<<")) {
      let openers: ReturnType<typeof heredocsFromLine>;
      try {
        openers = heredocsFromLine(buf);
      } catch (err) {
        throw withLocation(err, startLine, currentLine);
      }
      for (const h of openers) {
        let terminated = false;
        let content = "";
        while (i < lines.length) {
          const r = lines[i++] ?? "";
          currentLine++;
          let candidate = trimNewline(r);
          if (h.chomp) candidate = candidate.replace(/^\t+/, "");
          if (candidate === h.name) {
            terminated = true;
            break;
          }
          content += r;
        }
        if (!terminated) throw new DockerfileParseError("unterminated heredoc", startLine, currentLine);
        node.heredocs.push({ ...h, content });
      }
      if (node.child) node.child.heredocs = node.heredocs;
    }
    node.startLine = startLine;
    node.endLine = currentLine;
    if (node.child) {
      node.child.startLine = startLine;
      node.child.endLine = currentLine;
    }
    nodes.push(node);
    comments = [];
  }

  if (nodes.length === 0) throw new DockerfileParseError("file with no instructions", Math.max(currentLine, 1));
  return { nodes, escapeToken: d.escape, directives: d.found, warnings };
}

