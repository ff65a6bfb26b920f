/**
 * `berth push`: docker's runPush. POSTs /images/{name}/push?tag= with the registry's X-Registry-Auth
 * and shows the progress stream; the final aux {Tag,Digest,Size} is not printed (the daemon's status
 * line "tag: digest: sha256:… size: N" is). -q prints only the full reference.
 */
import type { CliContext } from "../context.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import { bool, str } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { referenceString } from "../../oci/reference.js";
import { StatusError } from "../cli-error.js";
import { registryRequest } from "../registry-auth/privileged-request.js";
import { showStream, transferRef } from "./pull.js";
import { parsePlatform } from "./create.js";
import { compareVersions } from "../../client/engine-client.js";

export const flags: FlagSpec[] = [
  { long: "all-tags", short: "a", type: "bool", usage: "Push all tags of an image to the repository" },
  { long: "disable-content-trust", type: "bool", usage: "Skip image signing", default: true },
  {
    long: "platform",
    type: "string",
    valueName: "string",
    usage:
      "Push a platform-specific manifest as a single-platform image to the registry.\nImage index won't be pushed, meaning that other manifests, including attestations won't be preserved.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
  },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress verbose output" },
];
export const args: ArgRule = { kind: "exact", n: 1 };

const PLATFORM_NOTE =
  "Using --platform pushes only the specified platform manifest of a multi-platform image index.\nOther components, like attestations, will not be included.\nTo push the complete multi-platform image, remove the --platform flag.\n";

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const all = bool(f, "all-tags");
  const quiet = bool(f, "quiet");
  const platformFlag = str(f, "platform") ?? "";
  let platformJSON: string | undefined;
  if (platformFlag !== "") {
    // docker checks a flag's minimum API version before running the command
    const v = await (await ctx.client()).apiVersion();
    if (compareVersions(v, "1.46") < 0) throw new StatusError(`"--platform" requires API version 1.46, but the Docker daemon API version is ${v}`, 1);
    try {
      const [os = "", architecture = "", variant] = parsePlatform(platformFlag).split("/");
      platformJSON = JSON.stringify(variant !== undefined ? { architecture, os, variant } : { architecture, os });
    } catch (e) {
      ctx.err(`Invalid platform ${platformFlag}`);
      throw new StatusError((e as Error).message.replace(/^error parsing specified platform: /, ""), 1);
    }
    const { printNote } = await import("../registry-auth/prompt-credentials.js");
    printNote((s) => ctx.out(s), ctx.stdout.isTTY === true, PLATFORM_NOTE);
  }
  const ref = transferRef(ctx, argv[0] ?? "", all, quiet);
  if (ref.digest !== undefined) throw new StatusError("cannot push a digest reference", 1);
  const query = { tag: all ? undefined : ref.tag, platform: platformJSON };
  const client = await ctx.client();
  const res = await registryRequest(ctx, client, `/images/${ref.name}/push`, query, ref.domain, "push");
  await showStream(ctx, res, quiet, () => undefined);
  if (quiet) ctx.out(`${referenceString(ref)}\n`);
  return 0;
}
