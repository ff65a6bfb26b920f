/**
 * `berth pull`: docker's runPull. Normalises the reference (printing "Using default tag: latest"),
 * POSTs /images/create with the registry's X-Registry-Auth, shows the progress stream on stdout and
 * ends with the full reference ("docker.io/library/busybox:latest"); -q prints only that line.
 */
import type { CliContext } from "../context.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import { bool, str } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { Readable } from "node:stream";
import { jsonLines } from "../../client/engine-client.js";
import { parseNormalizedNamed, referenceString, tagNameOnly, type Reference } from "../../oci/reference.js";
import { displayJSONMessages, JSONMessageError, type DisplayMessage } from "../format/jsonmessage.js";
import { StatusError } from "../cli-error.js";
import { registryRequest } from "../registry-auth/privileged-request.js";

export const flags: FlagSpec[] = [
  { long: "all-tags", short: "a", type: "bool", usage: "Download all tagged images in the repository" },
  { long: "disable-content-trust", type: "bool", usage: "Skip image verification", default: true },
  { long: "platform", type: "string", valueName: "string", usage: "Set platform if server is multi-platform capable" },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress verbose output" },
];
export const args: ArgRule = { kind: "exact", n: 1 };

/** Streams a JSON-message response to stdout (or nowhere with quiet), as jsonstream.Display. */
/**
 * The reference a pull or push names: with -a a repository without tag, else with docker's default tag
 * (announced as "Using default tag: latest" unless quiet).
 */
export function transferRef(ctx: CliContext, arg: string, all: boolean, quiet: boolean): Reference {
  let ref = parseNormalizedNamed(arg);
  const nameOnly = ref.tag === undefined && ref.digest === undefined;
  if (all && !nameOnly) throw new StatusError("tag can't be used with --all-tags/-a", 1);
  if (!all && nameOnly) {
    ref = tagNameOnly(ref);
    if (!quiet) ctx.out(`Using default tag: ${ref.tag ?? "latest"}\n`);
  }
  return ref;
}

export async function showStream(ctx: CliContext, res: Readable, quiet: boolean, aux?: (m: DisplayMessage) => void): Promise<void> {
  const tty = !quiet && ctx.stdout.isTTY === true;
  const out = quiet ? { write: (): boolean => true } : ctx.stdout;
  const width = tty ? ((ctx.stdout as { columns?: number }).columns ?? 200) : 200;
  try {
    await displayJSONMessages(jsonLines<DisplayMessage>(res), out, tty, aux !== undefined ? { width, auxCallback: aux } : { width });
  } catch (e) {
    if (e instanceof JSONMessageError) throw new StatusError(e.message, 1);
    throw e;
  }
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const all = bool(f, "all-tags");
  const quiet = bool(f, "quiet");
  const ref = transferRef(ctx, argv[0] ?? "", all, quiet);
  const platform = str(f, "platform") ?? process.env.DOCKER_DEFAULT_PLATFORM ?? "";
  const query = {
    fromImage: ref.name,
    tag: all ? undefined : (ref.digest ?? ref.tag),
    platform: platform !== "" ? platform.toLowerCase() : undefined,
  };
  const client = await ctx.client();
  const res = await registryRequest(ctx, client, "/images/create", query, ref.domain, "pull");
  await showStream(ctx, res, quiet);
  ctx.out(`${referenceString(ref)}\n`);
  return 0;
}
