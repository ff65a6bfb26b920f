/**
 * Typed instructions from parsed nodes (BuildKit's frontend/dockerfile/instructions): flags checked
 * per instruction, exec vs shell form, heredocs attached, stages grouped.
 *
 * Values are kept as written where the builder expands variables later (ENV/LABEL/ARG keep their
 * quotes; COPY sources, WORKDIR, USER... keep `$VAR`): run expandInstruction with the environment in
 * effect before the instruction to get final values. RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK/MAINTAINER
 * and ONBUILD are never expanded by the builder.
 */
import { DockerfileParseError, DockerfileSyntaxError, withLocation } from "./errors.js";
import { parseGoDuration } from "./duration.js";
import { parseFlags } from "./flags.js";
import type { FlagKind, ParsedFlags } from "./flags.js";
import { chompHeredocContent, mustParseHeredocWord } from "./heredoc.js";
import type { Heredoc } from "./heredoc.js";
import { parseDockerfileNodes } from "./parse.js";
import type { Directive, DockerfileNode } from "./parse.js";

export interface InstructionBase {
  /** The keyword as written (`run`, `Run`...). */
  command: string;
  /** The logical line as written (continuations joined, trimmed): docker's step text. */
  original: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}

export interface KeyValuePair {
  key: string;
  value: string;
  /** The legacy `ENV key value` form was used. */
  noDelim: boolean;
}

/** RUN/CMD/ENTRYPOINT: `prependShell` (shell form) means cmdLine is one string for the SHELL. */
export interface CommandLine {
  cmdLine: string[];
  prependShell: boolean;
}

/** A COPY/ADD source given inline by a heredoc. */
export interface SourceContent {
  /** The heredoc name, used as the file name. */
  path: string;
  /** The body, tabs already stripped for `<<-`. */
  data: string;
  /** Expand variables in `data` (unquoted delimiter). */
  expand: boolean;
}

export interface HealthConfig {
  /** `["NONE"]`, `["CMD", ...args]` or `["CMD-SHELL", command]`. */
  test: string[];
  /** Nanoseconds; 0 = inherit the default. */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export type NetworkMode = "default" | "none" | "host";
export type SecurityMode = "sandbox" | "insecure";

export interface FromInstruction extends InstructionBase {
  kind: "FROM";
  image: string;
  /** Lower-cased `AS name`, "" when none. */
  stageName: string;
  /** `--platform` value as written ("" when absent). */
  platform: string;
}
export interface RunInstruction extends InstructionBase, CommandLine {
  kind: "RUN";
  heredocs: Heredoc[];
  /** Raw `--mount` specs; resolve with parseMount (expandInstruction does it with the env). */
  mounts: string[];
  network: NetworkMode;
  security: SecurityMode;
  /** Raw `--device` values. */
  devices: string[];
  flagsUsed: string[];
}
export interface CmdInstruction extends InstructionBase, CommandLine {
  kind: "CMD";
}
/** `ENTRYPOINT []` gives cmdLine [] (BuildKit then sets Entrypoint to null). */
export interface EntrypointInstruction extends InstructionBase, CommandLine {
  kind: "ENTRYPOINT";
}
export interface ShellInstruction extends InstructionBase {
  kind: "SHELL";
  shell: string[];
}
export interface EnvInstruction extends InstructionBase {
  kind: "ENV";
  env: KeyValuePair[];
}
export interface LabelInstruction extends InstructionBase {
  kind: "LABEL";
  labels: KeyValuePair[];
}
export interface ArgInstruction extends InstructionBase {
  kind: "ARG";
  args: { key: string; value?: string }[];
}
export interface ExposeInstruction extends InstructionBase {
  kind: "EXPOSE";
  /** As written, sorted; expansion may split one into several. */
  ports: string[];
}
export interface WorkdirInstruction extends InstructionBase {
  kind: "WORKDIR";
  path: string;
}
export interface UserInstruction extends InstructionBase {
  kind: "USER";
  user: string;
}
export interface VolumeInstruction extends InstructionBase {
  kind: "VOLUME";
  volumes: string[];
}
export interface StopSignalInstruction extends InstructionBase {
  kind: "STOPSIGNAL";
  signal: string;
}
export interface MaintainerInstruction extends InstructionBase {
  kind: "MAINTAINER";
  maintainer: string;
}
export interface OnbuildInstruction extends InstructionBase {
  kind: "ONBUILD";
  /** The trigger as stored in the image config's OnBuild list (heredoc bodies appended). */
  expression: string;
  /** The trigger parsed now, when it parses (BuildKit only parses it in the downstream build). */
  trigger?: Instruction;
}
export interface HealthcheckInstruction extends InstructionBase {
  kind: "HEALTHCHECK";
  health: HealthConfig;
}
export interface CopyInstruction extends InstructionBase {
  kind: "COPY";
  sources: string[];
  contents: SourceContent[];
  dest: string;
  from: string;
  chown: string;
  chmod: string;
  link: boolean;
  parents: boolean;
  excludes: string[];
}
export interface AddInstruction extends InstructionBase {
  kind: "ADD";
  sources: string[];
  contents: SourceContent[];
  dest: string;
  chown: string;
  chmod: string;
  link: boolean;
  /** Undefined when the flag was not given. */
  keepGitDir?: boolean;
  checksum: string;
  unpack?: boolean;
  excludes: string[];
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | ExposeInstruction
  | WorkdirInstruction
  | UserInstruction
  | VolumeInstruction
  | StopSignalInstruction
  | MaintainerInstruction
  | OnbuildInstruction
  | HealthcheckInstruction
  | CopyInstruction
  | AddInstruction;

export type InstructionKind = Instruction["kind"];

export interface Stage {
  from: FromInstruction;
  /** Lower-cased stage name, "" when unnamed. */
  name: string;
  /** Position among the stages (what `--from=0` refers to). */
  index: number;
  commands: Instruction[];
}

export interface Dockerfile {
  escapeToken: string;
  directives: Directive[];
  /** `# syntax=` value, if any. */
  syntax?: string;
  /** ARG instructions before the first FROM. */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  /** Every instruction in file order (metaArgs, FROMs and stage commands). */
  instructions: Instruction[];
  warnings: string[];
}

const fail = (msg: string): never => {
  throw new DockerfileSyntaxError(msg);
};
const atLeastOne = (cmd: string): never => fail(`${cmd} requires at least one argument`);
const exactlyOne = (cmd: string): never => fail(`${cmd} requires exactly one argument`);
const noDestination = (cmd: string): never =>
  fail(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);

const NO_FLAGS: Record<string, FlagKind> = {};
const FLAGS = {
  add: {
    chown: "string",
    chmod: "string",
    link: "bool",
    "keep-git-dir": "bool",
    checksum: "string",
    unpack: "bool",
    exclude: "strings",
  },
  copy: { chown: "string", from: "string", chmod: "string", link: "bool", exclude: "strings", parents: "bool" },
  from: { platform: "string" },
  run: { mount: "strings", network: "string", security: "string", device: "strings" },
  healthcheck: {
    interval: "string",
    timeout: "string",
    "start-period": "string",
    "start-interval": "string",
    retries: "string",
  },
} satisfies Record<string, Record<string, FlagKind>>;

function base(node: DockerfileNode): InstructionBase {
  return { command: node.cmd, original: node.original.trim(), startLine: node.startLine, endLine: node.endLine };
}

function kvps(args: string[], cmd: string): KeyValuePair[] {
  if (args.length === 0) atLeastOne(cmd);
  if (args.length % 3 !== 0) fail(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValuePair[] = [];
  for (let j = 0; j < args.length; j += 3) {
    const key = args[j] ?? "";
    if (key === "") fail(`${cmd} names can not be blank`);
    out.push({ key, value: args[j + 1] ?? "", noDelim: (args[j + 2] ?? "") === "" });
  }
  return out;
}

function commandLine(node: DockerfileNode): CommandLine {
  const args = node.args.length === 0 ? [] : node.json ? [...node.args] : [node.args.join(" ")];
  return { cmdLine: args, prependShell: !node.json };
}

function sourcesAndDest(
  node: DockerfileNode,
  cmd: string,
): { sources: string[]; contents: SourceContent[]; dest: string } {
  const srcs = node.args.slice(0, -1);
  const dest = node.args[node.args.length - 1] ?? "";
  if (mustParseHeredocWord(dest)) fail(`${cmd} cannot accept a heredoc as a destination`);
  const byName = new Map(node.heredocs.map((h) => [h.name, h] as const));
  const sources: string[] = [];
  const contents: SourceContent[] = [];
  for (const src of srcs) {
    const h = mustParseHeredocWord(src);
    if (h) {
      const body = byName.get(h.name)?.content ?? "";
      contents.push({ path: h.name, data: h.chomp ? chompHeredocContent(body) : body, expand: h.expand });
    } else {
      sources.push(src);
    }
  }
  return { sources, contents, dest };
}

const bool = (f: ParsedFlags, name: string): boolean => f.values.get(name) === "true";
const str = (f: ParsedFlags, name: string): string => f.values.get(name) ?? "";
const optBool = (f: ParsedFlags, name: string): boolean | undefined =>
  f.values.has(name) ? f.values.get(name) === "true" : undefined;

function optInterval(f: ParsedFlags, name: string): number {
  const s = str(f, name);
  if (s === "") return 0;
  const d = parseGoDuration(s);
  if (d === 0) return 0;
  if (d < 1e6) fail(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return d;
}

const VALID_STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFrom(node: DockerfileNode): FromInstruction {
  const args = node.args;
  let stageName = "";
  if (args.length === 3 && (args[1] ?? "").toLowerCase() === "as") {
    stageName = (args[2] ?? "").toLowerCase();
    if (!VALID_STAGE_NAME.test(stageName)) {
      const quoted = JSON.stringify(args[2]);
      fail(`invalid name for build stage: ${quoted}, name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) {
    fail("FROM requires either one or three arguments");
  }
  const f = parseFlags(node.flags, FLAGS.from);
  return { kind: "FROM", ...base(node), image: args[0] ?? "", stageName, platform: str(f, "platform") };
}

function parseHealthcheck(node: DockerfileNode): HealthcheckInstruction {
  if (node.args.length === 0) atLeastOne("HEALTHCHECK");
  let typ = (node.args[0] ?? "").toUpperCase();
  const rest = node.args.slice(1);
  const health: HealthConfig = { test: [], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === "NONE") {
    if (rest.length !== 0) fail("HEALTHCHECK NONE takes no arguments");
    health.test = ["NONE"];
    return { kind: "HEALTHCHECK", ...base(node), health };
  }
  const f = parseFlags(node.flags, FLAGS.healthcheck);
  if (typ !== "CMD") fail(`Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = rest.length === 0 ? [] : node.json ? rest : [rest.join(" ")];
  if (cmd.length === 0) fail("Missing command after HEALTHCHECK CMD");
  if (!node.json) typ = "CMD-SHELL";
  health.test = [typ, ...cmd];
  health.interval = optInterval(f, "interval");
  health.timeout = optInterval(f, "timeout");
  health.startPeriod = optInterval(f, "start-period");
  health.startInterval = optInterval(f, "start-interval");
  const retries = str(f, "retries");
  if (retries !== "") {
    if (!/^[+-]?\d+$/.test(retries)) fail(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`);
    const n = Number.parseInt(retries, 10);
    if (n > 2147483647 || n < -2147483648) {
      fail(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: value out of range`);
    }
    if (n < 0) fail(`--retries cannot be negative (${n})`);
    health.retries = n;
  }
  return { kind: "HEALTHCHECK", ...base(node), health };
}

function parseOnbuild(node: DockerfileNode): OnbuildInstruction {
  if (node.args.length === 0) atLeastOne("ONBUILD");
  parseFlags(node.flags, NO_FLAGS);
  const trigger = (node.args[0] ?? "").trim().toUpperCase();
  if (trigger === "ONBUILD") fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === "MAINTAINER" || trigger === "FROM") fail(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, "");
  for (const h of node.heredocs) expression += "\n" + h.content + h.name;
  const out: OnbuildInstruction = { kind: "ONBUILD", ...base(node), expression };
  if (node.child) {
    try {
      out.trigger = parseInstruction(node.child);
    } catch {
      // like BuildKit: a bad trigger only fails the build that runs it
    }
  }
  return out;
}

/** One node → its typed instruction. Throws DockerfileSyntaxError (no location) on bad input. */
function toInstruction(node: DockerfileNode): Instruction {
  const b = base(node);
  const args = node.args;
  switch (node.cmd.toLowerCase()) {
    case "env":
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "ENV", ...b, env: kvps(args, "ENV") };
    case "label":
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "LABEL", ...b, labels: kvps(args, "LABEL") };
    case "maintainer":
      if (args.length !== 1) exactlyOne("MAINTAINER");
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "MAINTAINER", ...b, maintainer: args[0] ?? "" };
    case "add": {
      if (args.length < 2) noDestination("ADD");
      const f = parseFlags(node.flags, FLAGS.add);
      const add: AddInstruction = {
        kind: "ADD",
        ...b,
        ...sourcesAndDest(node, "ADD"),
        chown: str(f, "chown"),
        chmod: str(f, "chmod"),
        link: bool(f, "link"),
        checksum: str(f, "checksum"),
        excludes: f.lists.get("exclude") ?? [],
      };
      const keep = optBool(f, "keep-git-dir");
      if (keep !== undefined) add.keepGitDir = keep;
      const unpack = optBool(f, "unpack");
      if (unpack !== undefined) add.unpack = unpack;
      return add;
    }
    case "copy": {
      if (args.length < 2) noDestination("COPY");
      const f = parseFlags(node.flags, FLAGS.copy);
      return {
        kind: "COPY",
        ...b,
        ...sourcesAndDest(node, "COPY"),
        from: str(f, "from"),
        chown: str(f, "chown"),
        chmod: str(f, "chmod"),
        link: bool(f, "link"),
        parents: bool(f, "parents"),
        excludes: f.lists.get("exclude") ?? [],
      };
    }
    case "from":
      return parseFrom(node);
    case "onbuild":
      return parseOnbuild(node);
    case "workdir":
      if (args.length !== 1) exactlyOne("WORKDIR");
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "WORKDIR", ...b, path: args[0] ?? "" };
    case "run": {
      const f = parseFlags(node.flags, FLAGS.run);
      const network = f.values.get("network") ?? "default";
      if (network !== "default" && network !== "none" && network !== "host") {
        fail(`invalid network mode ${JSON.stringify(network)}`);
      }
      const security = f.values.get("security") ?? "sandbox";
      if (security !== "sandbox" && security !== "insecure") fail(`security ${JSON.stringify(security)} is not valid`);
      return {
        kind: "RUN",
        ...b,
        ...commandLine(node),
        heredocs: node.heredocs,
        mounts: f.lists.get("mount") ?? [],
        network: network as NetworkMode,
        security: security as SecurityMode,
        devices: f.lists.get("device") ?? [],
        flagsUsed: f.used,
      };
    }
    case "cmd":
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "CMD", ...b, ...commandLine(node) };
    case "entrypoint":
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "ENTRYPOINT", ...b, ...commandLine(node) };
    case "healthcheck":
      return parseHealthcheck(node);
    case "expose":
      if (args.length === 0) atLeastOne("EXPOSE");
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "EXPOSE", ...b, ports: [...args].sort() };
    case "user":
      if (args.length !== 1) exactlyOne("USER");
      parseFlags(node.flags, NO_FLAGS);
      return { kind: "USER", ...b, user: args[0] ?? "" };
    case "volume": {
      if (args.length === 0) atLeastOne("VOLUME");
      parseFlags(node.flags, NO_FLAGS);
      const volumes = args.map((v) => v.trim());
      if (volumes.some((v) => v === "")) fail("VOLUME specified can not be an empty string");
      return { kind: "VOLUME", ...b, volumes };
    }
    case "stopsignal":
      // BuildKit does not check STOPSIGNAL's (or ARG's) flags
      if (args.length !== 1) exactlyOne("STOPSIGNAL");
      return { kind: "STOPSIGNAL", ...b, signal: args[0] ?? "" };
    case "arg": {
      if (args.length < 1) atLeastOne("ARG");
      const pairs = args.map((a) => {
        const i = a.indexOf("=");
        if (i < 0) return { key: a };
        if (i === 0) fail("ARG names can not be blank");
        return { key: a.slice(0, i), value: a.slice(i + 1) };
      });
      return { kind: "ARG", ...b, args: pairs };
    }
    case "shell": {
      parseFlags(node.flags, NO_FLAGS);
      const { cmdLine } = commandLine(node);
      if (cmdLine.length === 0) atLeastOne("SHELL");
      if (!node.json) fail(`SHELL requires the arguments to be in JSON form`);
      return { kind: "SHELL", ...b, shell: cmdLine };
    }
    default:
      throw new DockerfileSyntaxError(`unknown instruction: ${node.cmd}`);
  }
}

/** One node → its typed instruction; errors carry the node's lines (DockerfileParseError). */
export function parseInstruction(node: DockerfileNode): Instruction {
  try {
    return toInstruction(node);
  } catch (err) {
    throw withLocation(err, node.startLine, node.endLine);
  }
}

/**
 * A `COPY --from` naming its own stage (by name or index, written literally) is BuildKit's
 * `circular dependency detected on stage: NAME`, found before anything runs.
 */
function checkSelfCopies(stages: readonly Stage[]): void {
  for (const st of stages) {
    for (const ins of st.commands) {
      if (ins.kind !== "COPY" || ins.from === "" || ins.from.includes("$")) continue;
      const from = ins.from.toLowerCase();
      if ((st.name !== "" && from === st.name) || from === String(st.index)) {
        throw new DockerfileParseError(`circular dependency detected on stage: ${st.name || st.index}`, ins.startLine, ins.endLine);
      }
    }
  }
}

/**
 * Parses a Dockerfile into stages. Throws DockerfileParseError naming the line for syntax errors,
 * unknown instructions, bad flags, instructions before the first FROM (other than ARG), and
 * `dockerfile contains no stages to build` for a file without FROM.
 */
export function parseDockerfile(text: string): Dockerfile {
  const parsed = parseDockerfileNodes(text);
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const instructions: Instruction[] = [];
  for (const node of parsed.nodes) {
    const ins = parseInstruction(node);
    instructions.push(ins);
    if (ins.kind === "FROM") {
      stages.push({ from: ins, name: ins.stageName, index: stages.length, commands: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (ins.kind === "ARG") {
        metaArgs.push(ins);
        continue;
      }
      throw new DockerfileParseError("no build stage in current context", node.startLine, node.endLine);
    }
    stage.commands.push(ins);
  }
  if (stages.length === 0) {
    // only ARG lines: name the last of them (Docker 20.10's daemon crashed here)
    const last = metaArgs[metaArgs.length - 1];
    throw new DockerfileParseError("dockerfile contains no stages to build", last?.startLine, last?.endLine);
  }
  checkSelfCopies(stages);
  const out: Dockerfile = {
    escapeToken: parsed.escapeToken,
    directives: parsed.directives,
    metaArgs,
    stages,
    instructions,
    warnings: parsed.warnings,
  };
  const syntax = parsed.directives.find((d) => d.name === "syntax");
  if (syntax) out.syntax = syntax.value;
  return out;
}
