/** Berth's Dockerfile parser: text → typed instructions, plus BuildKit-style word expansion. */
export { DockerfileParseError } from "./errors.js";
export { parseDockerfileNodes, nodeFromLine } from "./parse.js";
export type { Directive, DockerfileNode, ParseResult } from "./parse.js";
export { parseDockerfile, parseInstruction } from "./instructions.js";
export type {
  AddInstruction,
  ArgInstruction,
  CmdInstruction,
  CommandLine,
  CopyInstruction,
  Dockerfile,
  EntrypointInstruction,
  EnvInstruction,
  ExposeInstruction,
  FromInstruction,
  HealthConfig,
  HealthcheckInstruction,
  Instruction,
  InstructionBase,
  InstructionKind,
  KeyValuePair,
  LabelInstruction,
  MaintainerInstruction,
  NetworkMode,
  OnbuildInstruction,
  RunInstruction,
  SecurityMode,
  ShellInstruction,
  SourceContent,
  Stage,
  StopSignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from "./instructions.js";
export { chompHeredocContent, heredocsFromLine, mustParseHeredocWord, parseHeredocWord } from "./heredoc.js";
export type { Heredoc } from "./heredoc.js";
export {
  envFromList,
  expandHeredocContent,
  expandWord,
  expandWords,
  lookupEnv,
  processWord,
  shellPatternToRegExp,
} from "./expand.js";
export type { EnvLookup, LexOptions, ProcessResult } from "./expand.js";
export { EXPANDED_KINDS, expandInstruction, runMounts } from "./expand-instruction.js";
export { parseMount, ramInBytes } from "./mount.js";
export type { CacheSharing, MountType, RunMount } from "./mount.js";
export { parseChanges } from "./changes.js";
export type { ChangeInstruction } from "./changes.js";
export { parseGoDuration } from "./duration.js";
export { parseFlags } from "./flags.js";
export type { FlagKind, ParsedFlags } from "./flags.js";
export { planRunHeredocs } from "./run-heredoc.js";
export type { RunHeredocPlan } from "./run-heredoc.js";
export { formatSourceSnippet } from "./source-snippet.js";
