/**
 * Heredocs (`RUN <<EOF`, `COPY <<-"EOF" /dst`, `RUN 3<<A cat /dev/fd/3`), as BuildKit reads them:
 * the delimiter word is found by lexing the instruction line, its body is the following lines up to
 * a line equal to the delimiter (leading tabs ignored on that line with `<<-`).
 */
import { processWord } from "./expand.js";

export interface Heredoc {
  /** The delimiter with quotes removed (`EOF`); COPY uses it as the file name. */
  name: string;
  /** `3<<EOF` → 3; 0 when not given. */
  fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are to be stripped from each body line (see chompHeredocContent). */
  chomp: boolean;
  /** The body exactly as written (each line with its newline), without the terminator line. */
  content: string;
}

const HEREDOC_RE = /^(\d*)<<(-?)\s*([^<]*)$/;
const NO_ENV = (): undefined => undefined;

/** Parses one word as a heredoc opener (`<<EOF`, `<<-'EOF'`, `2<<E`); undefined if it is not one. */
export function parseHeredocWord(word: string): Omit<Heredoc, "content"> | undefined {
  const m = HEREDOC_RE.exec(word);
  if (!m) return undefined;
  const rest = m[3] ?? "";
  if (rest.length === 0) return undefined;
  const cooked = processWord(rest, NO_ENV, { escape: "\\", skipUnsetEnv: true }).words;
  if (cooked.length !== 1) return undefined;
  const raw = processWord(rest, NO_ENV, { escape: "\\", skipUnsetEnv: true, rawQuotes: true }).words;
  if (raw.length !== cooked.length) {
    throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  const name = cooked[0] ?? "";
  const quotes = (s: string): number => s.split("'").length + s.split('"').length - 2;
  return {
    name,
    fileDescriptor: Number.parseInt(m[1] || "0", 10),
    expand: quotes(name) === quotes(raw[0] ?? ""),
    chomp: m[2] === "-",
  };
}

/** parseHeredocWord, with lexing errors meaning "not a heredoc" (BuildKit's MustParseHeredoc). */
export function mustParseHeredocWord(word: string): Omit<Heredoc, "content"> | undefined {
  try {
    return parseHeredocWord(word);
  } catch {
    return undefined;
  }
}

/** The heredoc openers on an instruction line, in order. */
export function heredocsFromLine(line: string): Omit<Heredoc, "content">[] {
  let words: string[];
  try {
    words = processWord(line, NO_ENV, { escape: "\\", rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    return []; // BuildKit ignores lexing errors here: such a line has no heredocs
  }
  const docs: Omit<Heredoc, "content">[] = [];
  for (const w of words) {
    const h = parseHeredocWord(w);
    if (h) docs.push(h);
  }
  return docs;
}

/** Strips leading tabs from every line (what `<<-` means). */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, "");
}
