/**
 * `docker commit --change` / `docker import --change`: each change is one Dockerfile instruction,
 * parsed with the Dockerfile parser. Only instructions that edit an image config are allowed.
 */
import { InvalidArgumentError } from "../errdefs/index.js";
import { DockerfileParseError } from "./errors.js";
import { parseInstruction } from "./instructions.js";
import type {
  CmdInstruction,
  EntrypointInstruction,
  EnvInstruction,
  ExposeInstruction,
  HealthcheckInstruction,
  LabelInstruction,
  OnbuildInstruction,
  StopSignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from "./instructions.js";
import { parseDockerfileNodes } from "./parse.js";

export type ChangeInstruction =
  | CmdInstruction
  | EntrypointInstruction
  | EnvInstruction
  | ExposeInstruction
  | HealthcheckInstruction
  | LabelInstruction
  | OnbuildInstruction
  | StopSignalInstruction
  | UserInstruction
  | VolumeInstruction
  | WorkdirInstruction;

const VALID = new Set([
  "cmd",
  "entrypoint",
  "healthcheck",
  "env",
  "expose",
  "label",
  "onbuild",
  "stopsignal",
  "user",
  "volume",
  "workdir",
]);

/**
 * Parses `--change` values (joined by newlines, as docker does). Values are not expanded: apply
 * expandInstruction with the image's Env. Throws InvalidArgumentError:
 * `<INSTR> is not a valid change command` for anything else (RUN, COPY, FROM...).
 */
export function parseChanges(changes: readonly string[]): ChangeInstruction[] {
  if (changes.length === 0) return [];
  let nodes;
  try {
    nodes = parseDockerfileNodes(changes.join("\n")).nodes;
  } catch (err) {
    throw asInvalid(err);
  }
  for (const n of nodes) {
    if (!VALID.has(n.cmd.toLowerCase())) throw new InvalidArgumentError(`${n.cmd.toLowerCase()} is not a valid change command`);
  }
  return nodes.map((n) => {
    try {
      return parseInstruction(n) as ChangeInstruction;
    } catch (err) {
      throw asInvalid(err);
    }
  });
}

function asInvalid(err: unknown): InvalidArgumentError {
  if (err instanceof DockerfileParseError) return new InvalidArgumentError(err.detail, { cause: err });
  if (err instanceof InvalidArgumentError) return err;
  return new InvalidArgumentError(err instanceof Error ? err.message : String(err), { cause: err });
}
