/**
 * Variable expansion per instruction, as BuildKit's dispatcher does it: every word of an
 * instruction is expanded with the environment in effect *before* it (so in `ENV a=1 b=$a`, b sees
 * the previous a). Instructions the builder never expands come back unchanged.
 */
import { expandHeredocContent, expandWord, expandWords } from "./expand.js";
import type { EnvLookup } from "./expand.js";
import type { Instruction, KeyValuePair, RunInstruction, SourceContent } from "./instructions.js";
import { parseMount } from "./mount.js";
import type { RunMount } from "./mount.js";

/** The kinds whose words the builder expands. */
export const EXPANDED_KINDS: ReadonlySet<Instruction["kind"]> = new Set([
  "ADD",
  "ARG",
  "COPY",
  "ENV",
  "EXPOSE",
  "FROM",
  "LABEL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

function kvps(list: KeyValuePair[], env: EnvLookup, escape: string): KeyValuePair[] {
  return list.map((p) => ({ ...p, key: expandWord(p.key, env, escape), value: expandWord(p.value, env, escape) }));
}

function contents(list: SourceContent[], env: EnvLookup): SourceContent[] {
  return list.map((c) => (c.expand ? { ...c, data: expandHeredocContent(c.data, env) } : c));
}

/**
 * A copy of `ins` with its words expanded (quotes and escapes removed). FROM: image and platform
 * (pass the meta ARGs as env). ARG: key and default. COPY/ADD: sources, dest, chown, chmod,
 * checksum, and heredoc bodies whose delimiter was unquoted (`--from` is left as written). EXPOSE:
 * each port, split on whitespace. Throws InvalidArgumentError(`failed to process "...": ...`).
 */
export function expandInstruction<T extends Instruction>(ins: T, env: EnvLookup, escape = "\\"): T {
  const w = (s: string): string => expandWord(s, env, escape);
  const i: Instruction = ins;
  let out: Instruction;
  switch (i.kind) {
    case "ENV":
      out = { ...i, env: kvps(i.env, env, escape) };
      break;
    case "LABEL":
      out = { ...i, labels: kvps(i.labels, env, escape) };
      break;
    case "ARG":
      out = {
        ...i,
        args: i.args.map((a) => (a.value === undefined ? { key: w(a.key) } : { key: w(a.key), value: w(a.value) })),
      };
      break;
    case "FROM":
      out = { ...i, image: w(i.image), platform: w(i.platform) };
      break;
    case "COPY":
      out = {
        ...i,
        sources: i.sources.map(w),
        dest: w(i.dest),
        chown: w(i.chown),
        chmod: w(i.chmod),
        contents: contents(i.contents, env),
      };
      break;
    case "ADD":
      out = {
        ...i,
        sources: i.sources.map(w),
        dest: w(i.dest),
        chown: w(i.chown),
        chmod: w(i.chmod),
        checksum: w(i.checksum),
        contents: contents(i.contents, env),
      };
      break;
    case "EXPOSE":
      out = { ...i, ports: i.ports.flatMap((p) => expandWords(p, env, escape)) };
      break;
    case "VOLUME":
      out = { ...i, volumes: i.volumes.map(w) };
      break;
    case "WORKDIR":
      out = { ...i, path: w(i.path) };
      break;
    case "USER":
      out = { ...i, user: w(i.user) };
      break;
    case "STOPSIGNAL":
      out = { ...i, signal: w(i.signal) };
      break;
    default:
      out = i;
  }
  return out as T;
}

/** RUN's `--mount` specs parsed, values expanded with `env` (the RUN's environment). */
export function runMounts(run: RunInstruction, env: EnvLookup, escape = "\\"): RunMount[] {
  return run.mounts.map((spec) => parseMount(spec, (v) => expandWord(v, env, escape)));
}
