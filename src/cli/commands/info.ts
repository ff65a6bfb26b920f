import type { InfoResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderOne } from "../format/formatter.js";
import { humanSize } from "../format/units.js";
import { CLI_VERSION } from "../cli-version.js";

export const flags: FlagSpec[] = [{ long: "format", short: "f", type: "string", valueName: "string", usage: "Format output using a custom template" }];
export const args: ArgRule = { kind: "none" };

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<void> {
  const client = await ctx.client();
  const info = await client.get<InfoResponse>("/info");
  const format = str(f, "format") ?? "";
  if (format !== "") {
    ctx.out(renderOne(format, { ClientInfo: { Version: CLI_VERSION, Context: "default", Debug: ctx.globals.debug }, ...info }));
    return;
  }
  const g = (k: string): string => (info[k] === undefined || info[k] === null ? "" : String(info[k]));
  let s = `Client:\n Version:    ${CLI_VERSION}\n Context:    default\n Debug Mode: ${ctx.globals.debug}\n\nServer:\n`;
  s += ` Containers: ${g("Containers")}\n  Running: ${g("ContainersRunning")}\n  Paused: ${g("ContainersPaused")}\n  Stopped: ${g("ContainersStopped")}\n`;
  s += ` Images: ${g("Images")}\n Server Version: ${g("ServerVersion")}\n Storage Driver: ${g("Driver")}\n`;
  s += ` Logging Driver: ${g("LoggingDriver")}\n Cgroup Driver: ${g("CgroupDriver")}\n Cgroup Version: ${g("CgroupVersion")}\n`;
  s += ` Kernel Version: ${g("KernelVersion")}\n Operating System: ${g("OperatingSystem")}\n OSType: ${g("OSType")}\n Architecture: ${g("Architecture")}\n`;
  s += ` CPUs: ${g("NCPU")}\n Total Memory: ${typeof info.MemTotal === "number" ? humanSize(info.MemTotal).replace(/([kMGT])B$/, "$1iB") : ""}\n Name: ${g("Name")}\n ID: ${g("ID")}\n Docker Root Dir: ${g("DockerRootDir")}\n Debug Mode: ${g("Debug")}\n Experimental: ${g("ExperimentalBuild")}\n Live Restore Enabled: ${g("LiveRestoreEnabled")}\n\n`;
  ctx.out(s);
}
