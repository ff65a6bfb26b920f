/**
 * A subset of Go's text/template as docker's --format uses it: fields (.A.B), variables ($, $x),
 * pipelines, parenthesised calls, if/else/range/with/end, and docker's functions (json, join,
 * split, title, lower, upper, pad, truncate) plus Go's builtins (index, len, printf, print,
 * println, eq, ne, lt, le, gt, ge, and, or, not). `{{-`/`-}}` trim markers are honoured.
 */
export class TemplateError extends Error {}

const identRe =
  /^(\.[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)+|^\.|^\$[A-Za-z0-9_\u0080-\uffff]*(\.[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)*|^-?\d+(\.\d+)?|^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/;


type Node =
  | { t: "text"; s: string }
  | { t: "action"; p: Pipe }
  | { t: "if" | "with"; p: Pipe; body: Node[]; els: Node[] }
  | { t: "range"; p: Pipe; body: Node[]; els: Node[] };
interface Pipe {
  decl: string[];
  cmds: Arg[][];
}
type Arg =
  | { t: "field"; base: string | null; path: string[] } // base null = dot; "$" or "$x" = variable
  | { t: "fn"; name: string }
  | { t: "lit"; v: unknown }
  | { t: "pipe"; p: Pipe; path: string[] };

export type TemplateFn = (...args: unknown[]) => unknown;

const MISSING = Symbol("no value");

export class Template {
  private constructor(private readonly nodes: Node[]) {}

  static parse(src: string, extra: Record<string, TemplateFn> = {}): Template {
    const fns = new Set([...Object.keys(builtins), ...Object.keys(extra)]);
    const p = new Parser(src, fns);
    const nodes = p.list(true);
    const t = new Template(nodes);
    t.extra = extra;
    return t;
  }
  private extra: Record<string, TemplateFn> = {};

  execute(data: unknown): string {
    const out: string[] = [];
    const vars = new Map<string, unknown>([["$", data]]);
    this.run(this.nodes, data, vars, out);
    return out.join("");
  }

  private run(nodes: Node[], dot: unknown, vars: Map<string, unknown>, out: string[]): void {
    for (const n of nodes) {
      switch (n.t) {
        case "text":
          out.push(n.s);
          break;
        case "action": {
          const v = this.pipe(n.p, dot, vars);
          if (n.p.decl.length === 0) out.push(printValue(v));
          break;
        }
        case "if":
        case "with": {
          const scope = new Map(vars);
          const v = this.pipe(n.p, dot, scope);
          if (truthy(v)) this.run(n.body, n.t === "with" ? v : dot, scope, out);
          else this.run(n.els, dot, scope, out);
          break;
        }
        case "range": {
          const scope = new Map(vars);
          const v = this.pipe({ decl: [], cmds: n.p.cmds }, dot, scope);
          const entries: [unknown, unknown][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : v !== null && typeof v === "object"
              ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
              : typeof v === "number"
                ? Array.from({ length: v }, (_, i) => [i, i])
                : [];
          if (entries.length === 0) this.run(n.els, dot, scope, out);
          for (const [k, x] of entries) {
            if (n.p.decl.length === 1) scope.set(n.p.decl[0] as string, x);
            if (n.p.decl.length === 2) {
              scope.set(n.p.decl[0] as string, k);
              scope.set(n.p.decl[1] as string, x);
            }
            this.run(n.body, x, scope, out);
          }
          break;
        }
      }
    }
  }

  private pipe(p: Pipe, dot: unknown, vars: Map<string, unknown>): unknown {
    let prev: unknown = MISSING;
    let first = true;
    for (const cmd of p.cmds) {
      prev = this.command(cmd, dot, vars, first ? MISSING : prev);
      first = false;
    }
    for (const d of p.decl) vars.set(d, prev);
    return prev;
  }

  private command(cmd: Arg[], dot: unknown, vars: Map<string, unknown>, piped: unknown): unknown {
    const head = cmd[0] as Arg;
    if (head.t === "fn") {
      const args = cmd.slice(1).map((a) => this.arg(a, dot, vars));
      if (piped !== MISSING) args.push(piped);
      const f = this.extra[head.name] ?? builtins[head.name];
      if (f === undefined) throw new TemplateError(`function "${head.name}" not defined`);
      return f(...args.map((a) => (a === MISSING ? undefined : a)));
    }
    const v = this.arg(head, dot, vars);
    if (typeof v === "function") {
      // a method of the row (Go templates call methods like `.Label "name"` with their arguments)
      const args = cmd.slice(1).map((a) => this.arg(a, dot, vars));
      if (piped !== MISSING) args.push(piped);
      return (v as (...a: unknown[]) => unknown)(...args.map((a) => (a === MISSING ? undefined : a)));
    }
    if (cmd.length > 1 || piped !== MISSING) {
      throw new TemplateError(`can't give argument to non-function ${describe(head)}`);
    }
    return v;
  }

  private arg(a: Arg, dot: unknown, vars: Map<string, unknown>): unknown {
    switch (a.t) {
      case "lit":
        return a.v;
      case "fn": {
        const f = this.extra[a.name] ?? builtins[a.name];
        return f?.();
      }
      case "pipe":
        return walk(this.pipe(a.p, dot, new Map(vars)), a.path);
      case "field": {
        let base: unknown = dot;
        if (a.base !== null) {
          if (!vars.has(a.base)) throw new TemplateError(`undefined variable: ${a.base}`);
          base = vars.get(a.base);
        }
        return walk(base, a.path);
      }
    }
  }
}

function describe(a: Arg): string {
  return a.t === "field" ? `${a.base ?? ""}.${a.path.join(".")}` : a.t === "lit" ? JSON.stringify(a.v) : "pipeline";
}

function walk(v: unknown, path: string[]): unknown {
  for (const k of path) {
    if (v === null || v === undefined || v === MISSING) return MISSING;
    if (typeof v !== "object") throw new TemplateError(`can't evaluate field ${k} in type ${typeof v}`);
    const o = v as Record<string, unknown>;
    v = Object.prototype.hasOwnProperty.call(o, k) || k in o ? o[k] : MISSING;
  }
  return v;
}

export function truthy(v: unknown): boolean {
  if (v === MISSING || v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** fmt's %v rendering. */
export function printValue(v: unknown): string {
  if (v === MISSING) return "<no value>";
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(" ")}]`;
  if (typeof v === "object") {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${printValue((v as Record<string, unknown>)[k])}`)
      .join(" ")}]`;
  }
  return String(v);
}

function cmp(a: unknown, b: unknown, name: string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`error calling ${name}: incompatible types for comparison`);
}

function basicEq(a: unknown, b: unknown): boolean {
  if (a === MISSING || a === undefined) a = null;
  if (b === MISSING || b === undefined) b = null;
  return a === b;
}

export function sprintf(fmt: string, ...args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    let s: string;
    switch (verb) {
      case "d":
        s = typeof a === "number" ? String(Math.trunc(a)) : `%!d(${typeof a}=${printValue(a)})`;
        break;
      case "f":
        s = typeof a === "number" ? a.toFixed(prec !== undefined ? Number(prec) : 6) : `%!f(${typeof a}=${printValue(a)})`;
        break;
      case "q":
        s = JSON.stringify(typeof a === "string" ? a : printValue(a));
        break;
      case "x":
        s = typeof a === "number" ? a.toString(16) : Buffer.from(printValue(a)).toString("hex");
        break;
      case "t":
      case "v":
      case "s":
      default:
        s = printValue(a);
        if (prec !== undefined && verb === "s") s = s.slice(0, Number(prec));
    }
    if (width !== undefined) {
      const w = Number(width);
      s = flags.includes("-") ? s.padEnd(w) : s.padStart(w, flags.includes("0") && verb !== "s" ? "0" : " ");
    }
    return s;
  });
}

export const builtins: Record<string, TemplateFn> = {
  json: (v) => (JSON.stringify(v === undefined ? null : v) ?? "null").replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`),
  join: (a, sep) => (Array.isArray(a) ? a.map(printValue).join(String(sep)) : printValue(a)),
  split: (s, sep) => String(s).split(String(sep)),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  pad: (s, l, r) => " ".repeat(Number(l)) + printValue(s) + " ".repeat(Number(r)),
  truncate: (s, n) => [...String(s)].slice(0, Number(n)).join(""),
  len: (v) => {
    if (typeof v === "string") return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v !== null && typeof v === "object") return Object.keys(v).length;
    throw new TemplateError(`error calling len: len of type ${typeof v}`);
  },
  index: (v, ...keys) => {
    let x: unknown = v;
    for (const k of keys) {
      if (Array.isArray(x)) {
        const i = Number(k);
        if (!(i >= 0 && i < x.length)) throw new TemplateError(`error calling index: index out of range: ${i}`);
        x = x[i];
      } else if (x !== null && typeof x === "object") x = (x as Record<string, unknown>)[String(k)] ?? MISSING;
      else throw new TemplateError(`error calling index: can't index item of type ${typeof x}`);
    }
    return x;
  },
  printf: (f, ...a) => sprintf(String(f), ...a),
  print: (...a) => a.map(printValue).join(""),
  println: (...a) => `${a.map(printValue).join(" ")}\n`,
  eq: (a, ...bs) => bs.some((b) => basicEq(a, b)),
  ne: (a, b) => !basicEq(a, b),
  lt: (a, b) => cmp(a, b, "lt") < 0,
  le: (a, b) => cmp(a, b, "le") <= 0,
  gt: (a, b) => cmp(a, b, "gt") > 0,
  ge: (a, b) => cmp(a, b, "ge") >= 0,
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a) => !truthy(a),
};

// ---------- parser ----------

type Tok = { k: "field"; v: string } | { k: "var"; v: string } | { k: "str"; v: string } | { k: "num"; v: number } | { k: "id"; v: string } | { k: "punct"; v: string };

class Parser {
  private pos = 0;
  private pending: Tok[] | null = null;
  private line = 1;

  constructor(
    private readonly src: string,
    private readonly fns: Set<string>,
  ) {}

  private fail(msg: string): never {
    throw new TemplateError(`template: :${this.line}: ${msg}`);
  }

  /** Parses nodes up to EOF (top) or an {{end}}/{{else}}; returns them. */
  list(top: boolean): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const start = this.src.indexOf("{{", this.pos);
      if (start < 0) {
        if (!top) this.fail("unexpected EOF");
        this.pushText(nodes, this.src.slice(this.pos));
        this.pos = this.src.length;
        return nodes;
      }
      let text = this.src.slice(this.pos, start);
      let inner = start + 2;
      if (this.src[inner] === "-" && /\s/.test(this.src[inner + 1] ?? "")) {
        text = text.replace(/\s+$/, "");
        inner++;
      }
      this.pushText(nodes, text);
      this.line += countNl(this.src.slice(this.pos, start));
      const end = this.src.indexOf("}}", inner);
      if (end < 0) this.fail("unclosed action");
      let body = this.src.slice(inner, end);
      let after = end + 2;
      if (/\s-$/.test(body)) {
        body = body.slice(0, -1);
        while (after < this.src.length && /\s/.test(this.src[after] as string)) after++;
      }
      this.pos = after;
      const trimmed = body.trim();
      if (trimmed.startsWith("/*")) continue;
      const toks = this.lex(trimmed);
      const head = toks[0];
      if (head === undefined) this.fail("missing value for command");
      if (head.k === "id" && (head.v === "end" || head.v === "else")) {
        if (top) this.fail(`unexpected {{${head.v}}}`);
        this.pending = toks;
        return nodes;
      }
      if (head.k === "id" && (head.v === "if" || head.v === "range" || head.v === "with")) {
        nodes.push(this.control(head.v, toks.slice(1)));
        continue;
      }
      nodes.push({ t: "action", p: this.pipe(toks) });
    }
  }

  private control(kind: "if" | "range" | "with", toks: Tok[]): Node {
    if (toks.length === 0) this.fail(`missing value for ${kind}`);
    const p = this.pipe(toks);
    const body = this.list(false);
    let els: Node[] = [];
    const term = this.pending as Tok[];
    this.pending = null;
    if ((term[0] as Tok).v === "else") {
      if (term.length > 1 && (term[1] as Tok).v === "if") {
        els = [this.control("if", term.slice(2))];
        return { t: kind, p, body, els };
      }
      els = this.list(false);
      const t2 = this.pending as Tok[] | null;
      this.pending = null;
      if (t2 === null || (t2[0] as Tok).v !== "end") this.fail("expected end; found else");
    }
    return { t: kind, p, body, els };
  }

  private pipe(toks: Tok[]): Pipe {
    const decl: string[] = [];
    const assign = toks.findIndex((t) => t.k === "punct" && (t.v === ":=" || t.v === "="));
    if (assign >= 0) {
      for (const t of toks.slice(0, assign)) if (t.k === "var") decl.push(t.v);
      toks = toks.slice(assign + 1);
    }
    let i = 0;
    const parsePipe = (closer: string | null): Pipe => {
      const cmds: Arg[][] = [];
      let cur: Arg[] = [];
      while (i < toks.length) {
        const t = toks[i++] as Tok;
        if (t.k === "punct" && t.v === ")") {
          if (closer !== ")") this.fail("unexpected right paren");
          if (cur.length === 0) this.fail("missing value for command");
          cmds.push(cur);
          return { decl: [], cmds };
        }
        if (t.k === "punct" && t.v === "|") {
          if (cur.length === 0) this.fail("missing value for command");
          cmds.push(cur);
          cur = [];
          continue;
        }
        if (t.k === "punct" && t.v === "(") {
          const inner = parsePipe(")");
          let path: string[] = [];
          const nx = toks[i];
          if (nx !== undefined && nx.k === "field") {
            path = nx.v.split(".").filter(Boolean);
            i++;
          }
          cur.push({ t: "pipe", p: inner, path });
          continue;
        }
        cur.push(this.operand(t));
      }
      if (closer !== null) this.fail("unclosed left paren");
      if (cur.length === 0) this.fail("missing value for command");
      cmds.push(cur);
      return { decl: [], cmds };
    };
    const p = parsePipe(null);
    return { decl, cmds: p.cmds };
  }

  private operand(t: Tok): Arg {
    switch (t.k) {
      case "field":
        return { t: "field", base: null, path: t.v.split(".").filter(Boolean) };
      case "var": {
        const [name, ...path] = t.v.split(".");
        return { t: "field", base: name as string, path };
      }
      case "str":
        return { t: "lit", v: t.v };
      case "num":
        return { t: "lit", v: t.v };
      case "id":
        if (t.v === "true" || t.v === "false") return { t: "lit", v: t.v === "true" };
        if (t.v === "nil") return { t: "lit", v: null };
        if (!this.fns.has(t.v)) this.fail(`function "${t.v}" not defined`);
        return { t: "fn", name: t.v };
      default:
        return this.fail(`unexpected "${t.v}" in operand`);
    }
  }

  private lex(s: string): Tok[] {
    const toks: Tok[] = [];
    let i = 0;
    while (i < s.length) {
      const c = s[i] as string;
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === "(" || c === ")" || c === "|" || c === ",") {
        toks.push({ k: "punct", v: c });
        i++;
        continue;
      }
      if (c === ":" && s[i + 1] === "=") {
        toks.push({ k: "punct", v: ":=" });
        i += 2;
        continue;
      }
      if (c === "=") {
        toks.push({ k: "punct", v: "=" });
        i++;
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
        if (j >= s.length) this.fail("unterminated quoted string");
        try {
          toks.push({ k: "str", v: JSON.parse(s.slice(i, j + 1)) as string });
        } catch {
          this.fail(`invalid syntax: ${s.slice(i, j + 1)}`);
        }
        i = j + 1;
        continue;
      }
      if (c === "`") {
        const j = s.indexOf("`", i + 1);
        if (j < 0) this.fail("unterminated raw quoted string");
        toks.push({ k: "str", v: s.slice(i + 1, j) });
        i = j + 1;
        continue;
      }
      // Letters beyond ASCII are accepted as identifier characters without \p{…} classes: a unicode-aware
      // regexp costs milliseconds to compile, on every CLI start that renders a template.
      const m = identRe.exec(s.slice(i));
      if (m === null) this.fail(`unexpected "${c}" in command`);
      const w = m[0];
      if (w.startsWith(".")) toks.push({ k: "field", v: w === "." ? "" : w });
      else if (w.startsWith("$")) toks.push({ k: "var", v: w });
      else if (/^-?\d/.test(w)) toks.push({ k: "num", v: Number(w) });
      else toks.push({ k: "id", v: w });
      i += w.length;
    }
    return toks;
  }

  private pushText(nodes: Node[], s: string): void {
    if (s !== "") nodes.push({ t: "text", s });
  }
}

function countNl(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "\n") n++;
  return n;
}
