/**
 * `berth create`: docker's createContainer — parse the flags, pull first with --pull=always, POST
 * /containers/create, and on "No such image" with --pull=missing say "Unable to find image 'x' locally",
 * pull (POST /images/create, progress to stderr) and create again. Prints the new id.
 */
import type { CliContext } from "../context.js";
import type { FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerCreateResponse, JSONMessage } from "../../api/types/index.js";
import { jsonLines, type EngineClient } from "../../client/engine-client.js";
import { displayJSONMessages } from "../format/jsonmessage.js";
import { familiarString, parseAnyReference, tagNameOnly, type Reference } from "../../oci/reference.js";
import { StatusError } from "../cli-error.js";
import { createFlags, parseOrReport, type ContainerOptions } from "./container-opts.js";
import { consoleSize } from "./container-stream.js";

export const flags = createFlags;
export const args: ArgRule = { kind: "min", n: 1 };
/** Flags after the image belong to the container's command. */
export const interspersed = false;

export const CREATE_USAGE = "[OPTIONS] IMAGE [COMMAND] [ARG...]";

function namedRef(image: string): Reference | undefined {
  const r = parseAnyReference(image);
  return r.name !== undefined ? (r as Reference) : undefined;
}

async function pullImage(ctx: CliContext, client: EngineClient, ref: Reference, o: ContainerOptions): Promise<void> {
  const query: Record<string, string | undefined> = { fromImage: ref.name, tag: ref.digest ?? ref.tag, platform: o.platform };
  const { registryAuthHeader } = await import("../registry-auth/cli-config.js");
  const res = await client.request("POST", "/images/create", { query, headers: { "X-Registry-Auth": registryAuthHeader(ctx, ref.domain) } });
  const out = o.quiet ? { write: (): boolean => true } : { write: (s: string): boolean => ctx.stderr.write(s) };
  const tty = !o.quiet && ctx.stderr.isTTY === true;
  await displayJSONMessages(jsonLines<JSONMessage>(res), out, tty, { width: tty ? ((ctx.stderr as { columns?: number }).columns ?? 200) : 200 });
}

const KNOWN_OS = new Set(["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"]);
const ARCH_ALIASES: Record<string, string> = { "x86_64": "amd64", "x86-64": "amd64", i386: "386", aarch64: "arm64", armhf: "arm", armel: "arm" };
const KNOWN_ARCH = new Set(["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"]);

/** containerd's platforms.Parse, enough for --platform: "os[/arch[/variant]]" or a lone arch; returns the normalised form. */
export function parsePlatform(spec: string): string {
  const bad = (why: string): Error => new Error(`error parsing specified platform: ${JSON.stringify(spec)}: ${why}: invalid argument`);
  const parts = spec.toLowerCase().split("/");
  const arch = (a: string): string => ARCH_ALIASES[a] ?? a;
  if (parts.some((p) => !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) throw bad("invalid platform format");
  const [first = "", second, third] = parts;
  if (parts.length === 1) {
    if (KNOWN_OS.has(first)) return `${first}/amd64`;
    if (KNOWN_ARCH.has(arch(first))) return `linux/${arch(first)}`;
    throw bad("unknown operating system or architecture");
  }
  // os/arch pairs are taken as given (normalised), known or not.
  const a = arch(second ?? "");
  const variant = third ?? (second === "armel" ? "v6" : second === "armhf" ? "v7" : undefined);
  return variant !== undefined ? `${first}/${a}/${variant}` : `${first}/${a}`;
}

/** Creates the container (pulling as --pull says); returns its id. Errors propagate (DaemonError etc.). */
export async function createContainer(ctx: CliContext, client: EngineClient, o: ContainerOptions): Promise<string> {
  const config = o.config;
  let named: Reference | undefined;
  try {
    named = namedRef(config.Image ?? "");
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  const tagged = named !== undefined ? tagNameOnly(named) : undefined;
  if (o.platform !== undefined) {
    try {
      o.platform = parsePlatform(o.platform);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
  }
  if (o.pull === "always" && tagged !== undefined) await pullImage(ctx, client, tagged, o);
  if (config.HostConfig !== undefined) config.HostConfig.ConsoleSize = consoleSize(ctx);
  const query = { name: o.name, platform: o.platform };
  let r: ContainerCreateResponse;
  try {
    r = await client.json<ContainerCreateResponse>("POST", "/containers/create", { query, body: config });
  } catch (e) {
    const notFound = e instanceof Error && e.name === "DaemonError" && (e as Error & { statusCode: number }).statusCode === 404;
    if (!(notFound && tagged !== undefined && o.pull === "missing")) throw e;
    if (!o.quiet) ctx.err(`Unable to find image '${familiarString(tagged)}' locally\n`);
    await pullImage(ctx, client, tagged, o);
    r = await client.json<ContainerCreateResponse>("POST", "/containers/create", { query, body: config });
  }
  for (const w of r.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
  return r.Id;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const o = parseOrReport(ctx, argv, f, "create", CREATE_USAGE);
  if (o === undefined) return 125;
  const client = await ctx.client();
  const id = await createContainer(ctx, client, o);
  ctx.out(`${id}\n`);
  return 0;
}
