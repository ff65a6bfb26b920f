import type { VersionResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { tabwrite } from "../format/tabwriter.js";
import { renderOne } from "../format/formatter.js";
import { MAX_API_VERSION } from "../../client/engine-client.js";
import { CLI_COMMIT, CLI_VERSION } from "../cli-version.js";

export const flags: FlagSpec[] = [
  { long: "format", short: "f", type: "string", valueName: "string", usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
];
export const args: ArgRule = { kind: "none" };

export const TEMPLATE = `Client:
 Version:	{{.Client.Version}}
 API version:	{{.Client.ApiVersion}}
 Node version:	{{.Client.NodeVersion}}
 Git commit:	{{.Client.GitCommit}}
 OS/Arch:	{{.Client.Os}}/{{.Client.Arch}}
 Context:	{{.Client.Context}}
{{- if .Server}}

Server:{{if .Server.Platform.Name}} {{.Server.Platform.Name}}{{end}}
{{- range $c := .Server.Components}}
 {{$c.Name}}:
{{- if eq $c.Name "Engine"}}
  Version:	{{$c.Version}}
  API version:	{{index $c.Details "ApiVersion"}} (minimum version {{index $c.Details "MinAPIVersion"}})
  Go version:	{{index $c.Details "GoVersion"}}
  Git commit:	{{index $c.Details "GitCommit"}}
  Built:	{{index $c.Details "BuildTime"}}
  OS/Arch:	{{index $c.Details "Os"}}/{{index $c.Details "Arch"}}
  Experimental:	{{index $c.Details "Experimental"}}
{{- else}}
  Version:	{{$c.Version}}
{{- range $k, $v := $c.Details}}
  {{$k}}:	{{$v}}
{{- end}}
{{- end}}
{{- end}}
{{- end}}
`;

interface VersionData {
  Client: { Version: string; ApiVersion: string; NodeVersion: string; GitCommit: string; Os: string; Arch: string; Context: string };
  Server: VersionResponse | null;
}

/**
 * The default layout, written out: what TEMPLATE renders, without parsing a template on every start
 * (a unit test keeps the two identical).
 */
export function renderDefault(d: VersionData): string {
  const c = d.Client;
  let out = `Client:\n Version:\t${c.Version}\n API version:\t${c.ApiVersion}\n Node version:\t${c.NodeVersion}\n Git commit:\t${c.GitCommit}\n OS/Arch:\t${c.Os}/${c.Arch}\n Context:\t${c.Context}`;
  const s = d.Server;
  if (s) {
    out += `\n\nServer:${s.Platform?.Name ? ` ${s.Platform.Name}` : ""}`;
    for (const comp of s.Components ?? []) {
      const det: Record<string, string> = comp.Details ?? {};
      out += `\n ${comp.Name}:`;
      if (comp.Name === "Engine") {
        out += `\n  Version:\t${comp.Version}\n  API version:\t${det.ApiVersion ?? ""} (minimum version ${det.MinAPIVersion ?? ""})`;
        out += `\n  Go version:\t${det.GoVersion ?? ""}\n  Git commit:\t${det.GitCommit ?? ""}\n  Built:\t${det.BuildTime ?? ""}`;
        out += `\n  OS/Arch:\t${det.Os ?? ""}/${det.Arch ?? ""}\n  Experimental:\t${det.Experimental ?? ""}`;
      } else {
        out += `\n  Version:\t${comp.Version}`;
        for (const k of Object.keys(det).sort()) out += `\n  ${k}:\t${det[k] ?? ""}`;
      }
    }
  }
  return out + "\n";
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 3339 → Go's time.ANSIC ("Mon Jan _2 15:04:05 2006") in UTC; unparsable input is returned as-is. */
export function reformatDate(s: string): string {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const clientInfo = {
    Platform: { Name: "" },
    Version: CLI_VERSION,
    ApiVersion: MAX_API_VERSION,
    DefaultAPIVersion: MAX_API_VERSION,
    NodeVersion: process.version,
    GitCommit: CLI_COMMIT,
    Os: process.platform,
    Arch: process.arch === "x64" ? "amd64" : process.arch,
    Context: "default",
  };
  let server: VersionResponse | undefined;
  let failure: unknown;
  try {
    const client = await ctx.client();
    // the request settles the API version (EngineClient.json), so asking for it afterwards costs nothing
    server = await client.get<VersionResponse>("/version");
    clientInfo.ApiVersion = await client.apiVersion();
    for (const c of server.Components ?? []) {
      if (c.Name === "Engine" && c.Details?.BuildTime !== undefined) c.Details.BuildTime = reformatDate(c.Details.BuildTime);
    }
  } catch (e) {
    failure = e;
  }
  const data = { Client: { ...clientInfo, APIVersion: clientInfo.ApiVersion }, Server: server !== undefined ? { ...server, APIVersion: server.ApiVersion } : null };
  const format = str(f, "format") ?? "";
  if (format !== "") ctx.out(renderOne(format, data));
  else ctx.out(tabwrite(renderDefault(data), { minwidth: 20, padding: 1 }));
  if (failure !== undefined) throw failure;
  return 0;
}
