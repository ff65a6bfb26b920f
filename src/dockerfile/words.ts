/**
 * Low-level splitting of one logical Dockerfile line (continuations already joined): the command
 * word, the leading `--flag` words, and the argument splitters used by each instruction.
 */

/** Whitespace as Go's unicode.IsSpace sees it. */
export function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && ch !== "" && ch !== "\uFEFF" && /^[\s\u0085]$/u.test(ch);
}

/** Dockerfile "whitespace" between arguments: `[\t\v\f\r ]+`. */
export const WHITESPACE = /[\t\v\f\r ]+/;

/** Splits on WHITESPACE at most `limit` parts (the last part keeps the rest), like Go's regexp.Split(s, n). */
export function splitWhitespace(s: string, limit = -1): string[] {
  const out: string[] = [];
  let rest = s;
  for (;;) {
    if (limit > 0 && out.length === limit - 1) break;
    const m = WHITESPACE.exec(rest);
    if (!m) break;
    out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  out.push(rest);
  return out;
}

/**
 * Splits on unquoted whitespace, keeping quotes and escapes in the words (they are removed later by
 * expansion). Used by ENV, LABEL and ARG.
 */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let phase: "spaces" | "word" | "quote" = "spaces";
  let quote = "";
  let blankOK = false;
  let buf = "";
  for (let pos = 0; pos <= chars.length; pos++) {
    const end = pos === chars.length;
    let ch = chars[pos] ?? "";
    if (phase === "spaces") {
      if (end) break;
      if (isSpace(ch)) continue;
      phase = "word";
    }
    if (end) {
      if (blankOK || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === "word") {
      if (isSpace(ch)) {
        phase = "spaces";
        if (blankOK || buf.length > 0) words.push(buf);
        buf = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue; // an escape at the end of the line is dropped
        buf += ch;
        pos++;
        ch = chars[pos] ?? "";
      }
      buf += ch;
      continue;
    }
    // in a quote
    if (ch === quote) phase = "word";
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = "word";
        continue;
      }
      pos++;
      buf += ch;
      ch = chars[pos] ?? "";
    }
    buf += ch;
  }
  return words;
}

/**
 * Takes the leading `--name[=value]` words off `line` (quotes and escapes processed within them;
 * a bare `--` ends the flags). Returns the flags and the remaining text.
 */
export function extractFlags(line: string, escape: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let buf = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const end = pos === line.length;
    let ch = line[pos] ?? "";
    if (phase === "spaces") {
      if (end) break;
      if (isSpace(ch)) continue;
      if (ch !== "-" || pos + 1 === line.length || line[pos + 1] !== "-") return { flags, rest: line.slice(pos) };
      phase = "word";
    }
    if (end) {
      if (buf !== "--" && (blankOK || buf.length > 0)) flags.push(buf);
      break;
    }
    if (phase === "word") {
      if (isSpace(ch)) {
        phase = "spaces";
        if (buf === "--") return { flags, rest: line.slice(pos) };
        if (blankOK || buf.length > 0) flags.push(buf);
        buf = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos] ?? "";
      }
      buf += ch;
      continue;
    }
    if (ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === escape) {
      if (pos + 1 === line.length) {
        phase = "word";
        continue;
      }
      pos++;
      ch = line[pos] ?? "";
    }
    buf += ch;
  }
  return { flags, rest: "" };
}

/** `RUN --mount=x echo hi` → { cmd: "RUN", flags: ["--mount=x"], args: "echo hi" }. */
export function splitCommand(line: string, escape: string): { cmd: string; flags: string[]; args: string } {
  const parts = splitWhitespace(line.trim(), 2);
  const cmd = parts[0] ?? "";
  if (parts.length < 2) return { cmd, flags: [], args: "" };
  const { flags, rest } = extractFlags(parts[1] ?? "", escape);
  return { cmd, flags, args: rest.trim() };
}
