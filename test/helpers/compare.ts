/**
 * berth vs the real docker CLI: run the same argv with both and require the same exit code, the same
 * stdout (after normalisers for IDs and relative times) and the same stderr modulo the program name.
 */
import type { Berthd } from "./daemon.js";
import type { RunOptions, RunResult } from "./run.js";

export type Normaliser = (s: string) => string;

/** "2 seconds ago", "About a minute ago", "Less than a second ago" → "<ago>". */
export const relativeTimes: Normaliser = (s) =>
  s
    .replace(/\b(Less than a second|About an? (?:second|minute|hour)|\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)) ago\b/g, "<ago>")
    // ps's "Up 2 seconds": the two sides run a moment apart
    .replace(/\bUp (Less than a second|About an? (?:second|minute|hour)|\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))\b/g, "Up <for>");

/** RFC 3339 timestamps ("2024-01-01T00:00:00.123456789Z", "+00:00" offsets) and `events` clock times → "<time>". */
export const timestamps: Normaliser = (s) =>
  s.replace(/"time":\d+,"timeNano":\d+/g, '"time":<t>,"timeNano":<t>').replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g, "<time>").replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? ?(?:[+-]\d{4})?(?: [A-Z]{3,4})?/g, "<time>");

/**
 * Hex IDs → "<id1>", "<id2>"… in order of first appearance, the 12-character short form mapped to the
 * same number as its long form. Two outputs with the same shape but different IDs then compare equal.
 */
export const ids: Normaliser = (s) => {
  const seen = new Map<string, number>();
  const num = (hex: string): number => {
    const short = hex.slice(0, 12);
    let n = seen.get(short);
    if (n === undefined) seen.set(short, (n = seen.size + 1));
    return n;
  };
  return s.replace(/\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b/g, (m) => `<id${num(m)}>`);
};

/**
 * Table and list rows sorted (a header line of capitals stays first). For listings whose order is
 * not defined for ties — docker itself lists two tags of one image in either order.
 */
export const sortedRows: Normaliser = (s) => {
  const lines = s.replace(/\n$/, "").split("\n");
  const head = lines.length > 0 && /^[A-Z][A-Z ]+(\s{2,}[A-Z][A-Z ]*)*$/.test(lines[0] ?? "") ? lines.splice(0, 1) : [];
  return [...head, ...lines.sort()].join("\n") + "\n";
};

/** When relative times were normalised, column padding around them differs: collapse runs of spaces. */
export const columns: Normaliser = (s) => (s.includes("<ago>") || s.includes("<time>") ? s.replace(/ {2,}/g, "  ") : s);

/** `docker`↔`berth` program names (in usage hints like "See 'docker images --help'"). */
export const programName: Normaliser = (s) => s.replace(/\bberth\b/g, "docker");

export function normalise(s: string, ns: readonly Normaliser[]): string {
  return ns.reduce((acc, n) => n(acc), s);
}

export interface CompareOptions {
  /** Applied to stdout and stderr of both sides (programName is always applied to stderr). */
  normalisers?: readonly Normaliser[];
  /** Expected exit code of both; default: whatever docker gives. */
  code?: number;
  /** Compare stdout (default true). */
  stdout?: boolean;
  /** Compare stderr (default true). */
  stderr?: boolean;
}

/** The differences between a berth run and a docker run ([] when they agree). */
export function diffResults(berth: RunResult, docker: RunResult, opts: CompareOptions = {}): string[] {
  const ns = opts.normalisers ?? [];
  const out: string[] = [];
  if (berth.code !== docker.code) out.push(`exit code: berth ${berth.code}, docker ${docker.code}`);
  if (opts.code !== undefined && docker.code !== opts.code) out.push(`exit code: expected ${opts.code}, docker gave ${docker.code}`);
  if (opts.code !== undefined && berth.code !== opts.code) out.push(`exit code: expected ${opts.code}, berth gave ${berth.code}`);
  if (opts.stdout !== false) {
    const b = normalise(berth.stdout, ns);
    const d = normalise(docker.stdout, ns);
    if (b !== d) out.push(`stdout differs:\n--- berth\n${b}\n--- docker\n${d}`);
  }
  if (opts.stderr !== false) {
    const b = normalise(programName(berth.stderr), ns);
    const d = normalise(programName(docker.stderr), ns);
    if (b.trim() !== d.trim()) out.push(`stderr differs:\n--- berth\n${b}\n--- docker\n${d}`);
  }
  return out;
}

export function describe(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Runs `argv` with berth and then with docker against the same daemon; throws listing every difference. */
export async function compareOnOne(d: Berthd, argv: readonly string[], opts: CompareOptions & { run?: RunOptions } = {}): Promise<{ berth: RunResult; docker: RunResult }> {
  const berth = await d.berth(argv, opts.run);
  const docker = await d.docker(argv, opts.run);
  const diffs = diffResults(berth, docker, opts);
  if (diffs.length) throw new Error(`berth and docker disagree on: ${argv.join(" ")}\n${diffs.join("\n")}`);
  return { berth, docker };
}
