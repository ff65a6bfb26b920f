/**
 * Scenario files: one check per line, run in lockstep by berth against one berthd and by the real
 * docker CLI against another berthd that went through exactly the same steps; every step's exit
 * code, stdout and stderr must agree (after normalisers), and match the line's expectations.
 *
 *   # comment
 *   ## Section title                 a new section: a fresh pair of daemons
 *   @setup ARGV…                     run by the docker CLI on both sides, must exit 0, not compared
 *   @mark NAME                       remember "now" (unix seconds) per side as ${mark:NAME}
 *   @sleep SECONDS
 *   @sh COMMAND                      a shell command per side (variables expanded), must exit 0
 *   EXIT[:nostdout][:nostderr][:ids][:sorted] ARGV… [=~ REGEX] [!~ REGEX] [< FILE]
 *
 * `:ids` turns on the ID normaliser (for steps whose images differ per side, e.g. after `import`);
 * `:sorted` compares rows sorted (automatic for images/rmi/prune listings, whose tie order is undefined).
 * Each side's own paths become <daemon-dir> and <tmp>.
 * Relative and absolute times are always normalised. Variables in arguments: ${tmp} (the side's own
 * temp dir), ${busybox}, ${rootfs}, ${docker-saved} (fixture files), ${id:REF} (sha256:…), ${hex:REF},
 * ${short:REF} (12 hex), ${mark:NAME}, and ${p} (a per-side name prefix, shown as <p>, for scenarios where both
 * sides share one daemon). The regexes apply to stdout+stderr of both sides (after path/prefix placeholders).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { columns, diffResults, ids, relativeTimes, sortedRows, timestamps, type Normaliser } from "./compare.js";
import type { Berthd } from "./daemon.js";
import type { RunOptions, RunResult } from "./run.js";

export interface Check {
  line: number;
  text: string;
  kind: "check" | "setup" | "mark" | "sleep" | "sh";
  argv: string[];
  code?: number;
  compareStdout: boolean;
  compareStderr: boolean;
  normaliseIds: boolean;
  sorted: boolean;
  match: RegExp[];
  noMatch: RegExp[];
  stdinFile?: string;
}

export interface Section {
  title: string;
  checks: Check[];
}

/** Splits a line like a POSIX shell would for words, single and double quotes (no expansions). */
export function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${s}`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && (s[i + 1] === '"' || s[i + 1] === "\\")) i++;
        cur += s[i];
        i++;
      }
      if (i >= s.length) throw new Error(`unterminated " in: ${s}`);
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

export function parseScenarios(text: string): Section[] {
  const sections: Section[] = [];
  text.split("\n").forEach((raw, idx) => {
    const line = raw.trim();
    if (line === "" || (line.startsWith("#") && !line.startsWith("##"))) return;
    if (line.startsWith("##")) {
      sections.push({ title: line.slice(2).trim(), checks: [] });
      return;
    }
    const section = sections.at(-1);
    if (!section) throw new Error(`line ${idx + 1}: check before the first ## section`);
    const words = shellWords(line);
    const head = words.shift() ?? "";
    const c: Check = { line: idx + 1, text: line, kind: "check", argv: [], compareStdout: true, compareStderr: true, normaliseIds: false, sorted: false, match: [], noMatch: [] };
    if (head.startsWith("@")) {
      const kind = head.slice(1);
      if (kind !== "setup" && kind !== "mark" && kind !== "sleep" && kind !== "sh") throw new Error(`line ${idx + 1}: unknown directive ${head}`);
      c.kind = kind;
      c.argv = kind === "sh" ? [line.slice(head.length).trim()] : words;
      section.checks.push(c);
      return;
    }
    const [code, ...mods] = head.split(":");
    if (!/^\d+$/.test(code ?? "")) throw new Error(`line ${idx + 1}: expected an exit code, got ${head}`);
    c.code = Number(code);
    for (const m of mods) {
      if (m === "nostdout") c.compareStdout = false;
      else if (m === "nostderr") c.compareStderr = false;
      else if (m === "ids") c.normaliseIds = true;
      else if (m === "sorted") c.sorted = true;
      else throw new Error(`line ${idx + 1}: unknown modifier ${m}`);
    }
    while (words.length) {
      const w = words.shift() ?? "";
      if (w === "=~" || w === "!~") {
        const re = words.shift();
        if (re === undefined) throw new Error(`line ${idx + 1}: ${w} needs a regex`);
        (w === "=~" ? c.match : c.noMatch).push(new RegExp(re, "m"));
      } else if (w === "<") {
        c.stdinFile = words.shift();
      } else c.argv.push(w);
    }
    section.checks.push(c);
  });
  return sections;
}

export function loadScenarios(file: string): Section[] {
  return parseScenarios(readFileSync(file, "utf8"));
}

/** One side of the lockstep: a daemon, the CLI that drives it, and its variables. */
export interface Side {
  name: "berth" | "docker";
  daemon: Berthd;
  cli(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  vars: Map<string, string>;
}

/** Expands ${…} variables for one side (image lookups go through the docker CLI on that side's daemon). */
export async function expand(side: Side, s: string): Promise<string> {
  const re = /\$\{([a-z-]+)(?::([^}]+))?\}/g;
  let out = "";
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out += s.slice(last, m.index);
    last = m.index + m[0].length;
    const [, key = "", arg] = m;
    if (arg === undefined) {
      const v = side.vars.get(key);
      if (v === undefined) throw new Error(`unknown variable \${${key}}`);
      out += v;
    } else if (key === "mark") {
      const v = side.vars.get(`mark:${arg}`);
      if (v === undefined) throw new Error(`no @mark ${arg} yet`);
      out += v;
    } else if (key === "id" || key === "hex" || key === "short") {
      const r = await side.daemon.docker(["image", "inspect", "-f", "{{.Id}}", arg]);
      if (r.code !== 0) throw new Error(`\${${key}:${arg}}: ${r.stderr}`);
      const id = r.stdout.trim();
      out += key === "id" ? id : key === "hex" ? id.slice(7) : id.slice(7, 19);
    } else throw new Error(`unknown variable \${${key}:${arg}}`);
  }
  return out + s.slice(last);
}

/** Each side's own dirs (daemon root, temp dir) → placeholders, so paths in output compare equal. */
function localPaths(r: RunResult, side: Side): RunResult {
  const subs: [string, string][] = [[side.daemon.dir, "<daemon-dir>"]];
  const tmp = side.vars.get("tmp");
  if (tmp !== undefined) subs.push([tmp, "<tmp>"]);
  // One daemon shared by both sides: each side names its objects with its own prefix ${p}.
  const prefix = side.vars.get("p");
  if (prefix !== undefined) subs.push([prefix, "<p>"]);
  const f = (s: string): string => subs.reduce((acc, [from, to]) => acc.split(from).join(to), s);
  return { code: r.code, stdout: f(r.stdout), stderr: f(r.stderr) };
}

/** Listings whose row order is undefined for ties (images of equal creation time, tags of one image). */
function isListing(argv: readonly string[]): boolean {
  const [a, b] = argv;
  return a === "images" || (a === "image" && (b === "ls" || b === "list" || b === "prune")) || a === "rmi" || (a === "image" && b === "rm");
}

/** Runs one step on both sides; returns the problems found ([] when all is well). */
export async function runStep(check: Check, berth: Side, docker: Side): Promise<string[]> {
  const sides = [berth, docker];
  switch (check.kind) {
    case "mark":
      for (const s of sides) s.vars.set(`mark:${check.argv[0] ?? ""}`, (Date.now() / 1000).toFixed(3));
      return [];
    case "sleep":
      await new Promise((r) => setTimeout(r, Number(check.argv[0] ?? "1") * 1000));
      return [];
    case "sh": {
      const errs: string[] = [];
      for (const s of sides) {
        const cmd = await expand(s, check.argv[0] ?? "");
        const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8", env: s.daemon.env });
        if (r.status !== 0) errs.push(`[${s.name}] @sh ${cmd} → ${r.status}: ${r.stdout}${r.stderr}`);
      }
      return errs;
    }
    case "setup": {
      const errs: string[] = [];
      for (const s of sides) {
        const argv = await Promise.all(check.argv.map((a) => expand(s, a)));
        const r = await s.daemon.docker(argv, check.stdinFile ? { inputFile: await expand(s, check.stdinFile) } : {});
        if (r.code !== 0) errs.push(`[${s.name}] @setup ${argv.join(" ")} → ${r.code}: ${r.stderr}`);
      }
      return errs;
    }
    case "check":
      break;
  }
  const results: RunResult[] = [];
  for (const s of sides) {
    const argv = await Promise.all(check.argv.map((a) => expand(s, a)));
    results.push(await s.cli(argv, check.stdinFile ? { inputFile: await expand(s, check.stdinFile) } : {}));
  }
  const [b, d] = results.map((r, i) => localPaths(r, sides[i] as Side)) as [RunResult, RunResult];
  const ns: Normaliser[] = [relativeTimes, timestamps, columns, ...(check.sorted || isListing(check.argv) ? [sortedRows] : []), ...(check.normaliseIds ? [ids] : [])];
  const errs = diffResults(b, d, { normalisers: ns, ...(check.code !== undefined ? { code: check.code } : {}), stdout: check.compareStdout, stderr: check.compareStderr });
  for (const [name, r] of [["berth", b], ["docker", d]] as const) {
    const all = r.stdout + r.stderr;
    for (const re of check.match) if (!re.test(all)) errs.push(`[${name}] output does not match ${re}:\n${all}`);
    for (const re of check.noMatch) if (re.test(all)) errs.push(`[${name}] output matches ${re} but must not:\n${all}`);
  }
  return errs;
}
