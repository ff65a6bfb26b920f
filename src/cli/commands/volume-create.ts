import type { Volume, VolumeCreateRequest } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { StatusError } from "../cli-error.js";
import { list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { checkLabels, kvMap } from "./volume-kv.js";

export const flags: FlagSpec[] = [
  { long: "driver", short: "d", type: "string", valueName: "string", default: "local", usage: "Specify volume driver name" },
  { long: "label", type: "stringArray", valueName: "list", usage: "Set metadata for a volume" },
  { long: "name", type: "string", valueName: "string", usage: "Specify volume name", hidden: true },
  { long: "opt", short: "o", type: "stringArray", valueName: "map", usage: "Set driver specific options" },
];
export const args: ArgRule = { kind: "max", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const flagName = str(f, "name") ?? "";
  if (argv[0] !== undefined && flagName !== "") {
    throw new StatusError("conflicting options: cannot specify a volume-name through both --name and as a positional arg", 1);
  }
  const labels = list(f, "label");
  checkLabels(ctx, labels);
  const body: VolumeCreateRequest = {
    Name: argv[0] ?? flagName,
    Driver: str(f, "driver") ?? "local",
    DriverOpts: kvMap(list(f, "opt")),
    Labels: kvMap(labels),
  };
  const client = await ctx.client();
  const v = await client.json<Volume>("POST", "/volumes/create", { body });
  ctx.out(`${v.Name}\n`);
  return 0;
}
