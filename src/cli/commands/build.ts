/**
 * `berth build` (image build, builder build): docker's legacy builder client. Makes the context tar
 * (build-context.ts), streams it to POST /build with "Sending build context to Docker daemon" progress
 * (live on a TTY, the last count otherwise), and renders the JSON stream as the docker CLI does: step
 * output as is, an error ends the build with its code (a failing RUN's exit status), `-q` prints only
 * the image id, `--iidfile` writes it.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { IncomingMessage } from "node:http";
import { PassThrough, Readable, Transform } from "node:stream";
import type { JSONMessage } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { jsonLines, readAll } from "../../client/engine-client.js";
import { parseNormalizedNamed } from "../../oci/reference.js";
import { displayJSONMessages, JSONMessageError } from "../format/jsonmessage.js";
import { humanSize } from "../format/units.js";
import { StatusError } from "../cli-error.js";
import { BUILD_SECRETS_HEADER, encodeBuildSecrets } from "../../util/build-secrets.js";
import { dockerfileOnlyContext, isArchive, localContextEntries, parseBuildArgs, parseLabels } from "./build-context.js";
import { contextUpload } from "../context-sync/context-upload.js";

export const flags: FlagSpec[] = [
  { long: "build-arg", type: "stringArray", valueName: "list", usage: "Set build-time variables" },
  { long: "cache-from", type: "stringArray", valueName: "strings", usage: "Images to consider as cache sources" },
  { long: "file", short: "f", type: "string", valueName: "string", usage: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
  { long: "iidfile", type: "string", valueName: "string", usage: "Write the image ID to the file" },
  { long: "label", type: "stringArray", valueName: "list", usage: "Set metadata for an image" },
  { long: "network", type: "string", valueName: "string", usage: "Set the networking mode for the RUN instructions during build", default: "default" },
  { long: "no-cache", type: "bool", usage: "Do not use cache when building the image" },
  { long: "platform", type: "string", valueName: "string", usage: "Set platform if server is multi-platform capable" },
  { long: "progress", type: "string", valueName: "string", usage: 'Set type of progress output ("auto", "plain", "tty")', default: "auto" },
  { long: "pull", type: "bool", usage: "Always attempt to pull a newer version of the image" },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress the build output and print image ID on success" },
  { long: "tag", short: "t", type: "stringArray", valueName: "list", usage: 'Name and optionally a tag in the "name:tag" format' },
  { long: "target", type: "string", valueName: "string", usage: "Set the target build stage to build." },
  { long: "rm", type: "bool", usage: "Remove intermediate containers after a successful build", default: true },
  { long: "force-rm", type: "bool", usage: "Always remove intermediate containers" },
  { long: "secret", type: "stringArray", valueName: "stringArray", usage: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=mysecret,env=VAR")' },
];

/**
 * `--secret id=x[,src=path|source=path][,env=VAR][,type=file|env]` → id → bytes. Without src and
 * env: the environment variable named like the id when set, else the file named like the id.
 */
export function parseSecretFlags(specs: readonly string[], env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const spec of specs) {
    let id = "";
    let src = "";
    let envName = "";
    let kind = "";
    for (const field of spec.split(",")) {
      const eq = field.indexOf("=");
      if (eq < 0) throw new StatusError(`invalid argument "${spec}" for "--secret" flag: invalid field '${field}' must be a key=value pair`, 125);
      const k = field.slice(0, eq).toLowerCase();
      const v = field.slice(eq + 1);
      if (k === "id") id = v;
      else if (k === "src" || k === "source") src = v;
      else if (k === "env") envName = v;
      else if (k === "type") {
        if (v !== "file" && v !== "env") throw new StatusError(`invalid argument "${spec}" for "--secret" flag: unsupported secret type "${v}"`, 125);
        kind = v;
      } else throw new StatusError(`invalid argument "${spec}" for "--secret" flag: unexpected key '${k}' in '${field}'`, 125);
    }
    if (kind === "env" && envName === "") envName = src || id;
    if (id === "") id = path.basename(src || envName);
    if (id === "" || id === ".") throw new StatusError(`invalid argument "${spec}" for "--secret" flag: secret ID missing`, 125);
    if (envName === "" && src === "" && kind === "") {
      if (env[id] !== undefined) envName = id;
      else src = id;
    }
    if (envName !== "") {
      const v = env[envName];
      if (v === undefined) throw new StatusError(`failed to read secret ${id}: environment variable ${envName} is not set`, 1);
      out.set(id, Buffer.from(v));
    } else {
      try {
        out.set(id, readFileSync(src));
      } catch (e) {
        throw new StatusError(`failed to read secret ${id} from ${src}: ${(e as Error).message}`, 1);
      }
    }
  }
  return out;
}
export const args: ArgRule = { kind: "exact", n: 1 };

const SENDING = "Sending build context to Docker daemon";

/** The docker CLI's raw progress line for an upload of unknown size. */
export function sendingLine(bytes: number): string {
  return `${SENDING} ${humanSize(bytes).padStart(8)}\r`;
}

/** Reads up to n bytes of a stream; returns them and a stream of everything (head included). */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; all: Readable }> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const parts: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    parts.push(b);
    len += b.length;
  }
  const head = Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  }
  return { head, all: Readable.from(rest(), { objectMode: false }) };
}

function validateTags(tags: readonly string[]): void {
  for (const t of tags) {
    try {
      parseNormalizedNamed(t);
    } catch (e) {
      throw new StatusError(`invalid argument "${t}" for "-t, --tag" flag: ${(e as Error).message}\nSee 'berth build --help'.`, 125);
    }
  }
}

interface Sink {
  write(s: string): unknown;
}

/** A buffer that collects text (docker's progBuff/buildBuff with -q). */
class TextBuffer implements Sink {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/**
 * Counts the body's bytes and shows docker's "Sending build context" line: on a TTY from the first
 * byte and then at most every 100 ms; otherwise once, when the body ends (then "\r\n", as docker).
 */
export function progressCounter(out: Sink, live: boolean, skipped = 0): Transform {
  let n = skipped; // an incremental context counts what it did not need to send
  let last = -1;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      const now = Date.now();
      if (live && (last < 0 || now - last >= 100)) {
        out.write(sendingLine(n));
        last = now;
      }
      cb(null, chunk);
    },
    flush(cb) {
      // The last update, then docker's progress output ends the line ("\r\n").
      out.write(`${sendingLine(n)}\r\n`);
      cb();
    },
  });
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number | void> {
  const contextArg = argv[0] as string;
  const dockerfileFlag = str(f, "file") ?? "";
  const quiet = bool(f, "quiet");
  const progress = str(f, "progress") ?? "auto";
  if (!["auto", "plain", "tty"].includes(progress)) throw new StatusError(`invalid argument "${progress}" for "--progress" flag: must be one of auto, plain, tty\nSee 'berth build --help'.`, 125);
  const tty = progress === "tty" || (progress === "auto" && ctx.stdout.isTTY === true);
  const tags = list(f, "tag");
  validateTags(tags);
  const buildArgs = parseBuildArgs(list(f, "build-arg"));
  const labels = parseLabels(list(f, "label"));
  const iidfile = str(f, "iidfile") ?? "";
  const secrets = parseSecretFlags(list(f, "secret"));
  const secretsHeader = secrets.size > 0 ? encodeBuildSecrets(secrets) : "";
  // they travel in one request header (the legacy API has no session); berthd takes 16 KiB of headers
  if (secretsHeader.length > 12_000) throw new StatusError("--secret: the secrets are too large to send to berthd (at most about 6 KiB in all)", 1);

  if (dockerfileFlag === "-" && contextArg === "-") throw new StatusError("invalid argument: can't use stdin for both build context and dockerfile", 1);
  if (iidfile !== "") {
    try {
      rmSync(iidfile, { force: true });
    } catch (e) {
      throw new StatusError(`Removing image ID file: ${(e as Error).message}`, 1);
    }
  }

  let body: Readable;
  let dockerfile: string;
  let contextHeaders: Record<string, string> = {};
  let contextSkipped = 0;
  if (contextArg === "-") {
    const { head, all } = await peek(ctx.stdin, 1024);
    if (isArchive(head)) {
      body = all;
      dockerfile = dockerfileFlag;
    } else {
      if (dockerfileFlag !== "") throw new StatusError("unable to prepare context: ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles", 1);
      body = dockerfileOnlyContext(await readAll(all));
      dockerfile = "Dockerfile";
    }
  } else if (/^(https?|git):\/\/|^git@|^github\.com\//.test(contextArg)) {
    throw new StatusError(`unable to prepare context: remote build contexts are not supported by berth: ${contextArg}`, 1);
  } else {
    const text = dockerfileFlag === "-" ? await readAll(ctx.stdin) : undefined;
    const local = localContextEntries(contextArg, dockerfileFlag, text);
    // berth's incremental context when the daemon has it (only changed files cross), else the full tar
    const upload = await contextUpload(await ctx.client(), local.entries, local.contextDir);
    body = upload.body;
    contextHeaders = upload.headers;
    contextSkipped = upload.skipped;
    dockerfile = local.dockerfile;
  }

  const progBuff: Sink = quiet ? new TextBuffer() : ctx.stdout;
  const buildBuff: Sink = quiet ? new TextBuffer() : ctx.stdout;
  const counted = body.pipe(progressCounter(progBuff, tty, contextSkipped));
  // A context that cannot be read (mid-walk) is the error to report, not the aborted upload it causes.
  let contextErr: unknown;
  body.on("error", (e) => {
    contextErr ??= e;
    counted.destroy(e);
  });
  const upload = new PassThrough();
  counted.pipe(upload);
  counted.on("error", (e) => upload.destroy(e));

  const query: Record<string, string | undefined> = {
    dockerfile: dockerfile === "" ? undefined : dockerfile,
    q: quiet ? "1" : undefined,
    nocache: bool(f, "no-cache") ? "1" : undefined,
    rm: bool(f, "rm") ? "1" : "0",
    forcerm: bool(f, "force-rm") ? "1" : undefined,
    pull: bool(f, "pull") ? "1" : undefined,
    target: str(f, "target") || undefined,
    networkmode: str(f, "network") ?? "default",
    platform: str(f, "platform") || process.env["DOCKER_DEFAULT_PLATFORM"] || undefined,
    // --cache-from a --cache-from b, or --cache-from a,b (docker's string slice)
    cachefrom: list(f, "cache-from").some((v) => v !== "") ? JSON.stringify(list(f, "cache-from").flatMap((v) => v.split(",")).filter((v) => v !== "")) : undefined,
    buildargs: JSON.stringify(buildArgs),
    labels: JSON.stringify(labels),
    version: "1",
  };
  const qs = new URLSearchParams();
  for (const t of tags) qs.append("t", t);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v);

  const client = await ctx.client();
  let res: IncomingMessage;
  try {
    res = await client.request("POST", `/build?${qs.toString()}`, { body: upload, headers: {
        "Content-Type": "application/x-tar",
        "X-Registry-Config": (await import("../registry-auth/cli-config.js")).registryConfigHeader(ctx),
        ...(secretsHeader !== "" ? { [BUILD_SECRETS_HEADER]: secretsHeader } : {}),
        ...contextHeaders,
      },
    });
  } catch (e) {
    upload.destroy();
    body.destroy();
    if (quiet) ctx.err((progBuff as TextBuffer).text);
    throw contextErr ?? e;
  }

  let imageId = "";
  let code = 0;
  async function* watch(): AsyncGenerator<JSONMessage> {
    for await (const m of jsonLines<JSONMessage & { aux?: { ID?: string } }>(res as unknown as Readable)) {
      if (m.aux !== undefined && typeof m.aux === "object" && m.aux !== null && typeof m.aux.ID === "string") imageId = m.aux.ID;
      if (m.errorDetail !== undefined) code = m.errorDetail.code ?? 0;
      yield m;
    }
  }
  try {
    await displayJSONMessages(watch(), buildBuff, tty);
  } catch (e) {
    if (contextErr !== undefined) throw contextErr;
    if (e instanceof JSONMessageError) {
      if (quiet) ctx.err(`${(progBuff as TextBuffer).text}${(buildBuff as TextBuffer).text}`);
      throw new StatusError(e.message, code > 0 ? code : 1);
    }
    throw e;
  }
  if (contextErr !== undefined) throw contextErr;
  if (quiet) {
    imageId = (buildBuff as TextBuffer).text;
    ctx.out(imageId);
  }
  if (iidfile !== "") {
    if (imageId === "") throw new StatusError(`Server did not provide an image ID. Cannot write ${iidfile}`, 1);
    writeFileSync(iidfile, imageId, { mode: 0o666 });
  }
  return undefined;
}
