/**
 * berth pull/push/login/logout against a fake daemon (a node:http server on a temp unix socket that
 * records each request, X-Registry-Auth decoded, and answers with canned docker JSON streams), run
 * side by side with the real docker CLI: both must print the same bytes, exit the same way and send
 * the same requests. Terminal output is compared through a pty (python's pty module).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, type RunResult } from "../helpers/run.js";
import { BERTH_JS, DOCKER_CLI } from "../helpers/daemon.js";

const DIGEST = `sha256:${"5c".repeat(32)}`;
const L1 = "a1b2c3d4e5f6";
const L2 = "0123456789ab";

type Msg = Record<string, unknown>;
const prog = (status: string, id: string, current: number, total: number): Msg => ({ status, id, progressDetail: { current, total }, progress: `[${"=".repeat(Math.floor((current / total) * 50))}>]  ${current}B/${total}B` });

const pullStream = (name: string, tag: string): Msg[] => [
  { status: `Pulling from ${name}`, id: tag },
  { status: "Pulling fs layer", progressDetail: {}, id: L1 },
  { status: "Pulling fs layer", progressDetail: {}, id: L2 },
  prog("Downloading", L1, 1024, 2_151_000),
  prog("Downloading", L2, 512, 120),
  prog("Downloading", L1, 1_500_000, 2_151_000),
  { status: "Verifying Checksum", progressDetail: {}, id: L1 },
  { status: "Download complete", progressDetail: {}, id: L1 },
  { status: "Download complete", progressDetail: {}, id: L2 },
  prog("Extracting", L1, 32_768, 2_151_000),
  prog("Extracting", L1, 2_151_000, 2_151_000),
  { status: "Pull complete", progressDetail: {}, id: L1 },
  { status: "Extracting", progressDetail: { current: 120, units: "files" }, id: L2 },
  { status: "Pull complete", progressDetail: {}, id: L2 },
  { status: `Digest: ${DIGEST}` },
  { status: `Status: Downloaded newer image for ${name}:${tag}` },
];

const pushStream = (repo: string, tag: string): Msg[] => [
  { status: `The push refers to repository [${repo}]` },
  { status: "Preparing", progressDetail: {}, id: L1 },
  { status: "Preparing", progressDetail: {}, id: L2 },
  { status: "Layer already exists", progressDetail: {}, id: L2 },
  prog("Pushing", L1, 512, 2_151_000),
  prog("Pushing", L1, 2_151_000, 2_151_000),
  { status: "Pushed", progressDetail: {}, id: L1 },
  { status: `${tag}: digest: ${DIGEST} size: 527` },
  { progressDetail: {}, aux: { Tag: tag, Digest: DIGEST, Size: 527 } },
];

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: unknown;
  config?: unknown;
  body: unknown;
}

let dir = "";
let socket = "";
let server: http.Server;
let requests: Recorded[] = [];
/** Images "pulled" in the current run (create answers 404 until then). */
const pulled = new Set<string>();

function decodeAuth(h: string | undefined): unknown {
  if (h === undefined) return null;
  return JSON.parse(Buffer.from(h.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname.replace(/^\/v[\d.]+/, "");
    const json = (code: number, v: unknown): void => {
      res.writeHead(code, { "Content-Type": "application/json", "Api-Version": "1.44" });
      res.end(JSON.stringify(v));
    };
    if (p === "/_ping") {
      res.writeHead(200, { "Api-Version": "1.44", "Content-Type": "text/plain" });
      res.end(req.method === "HEAD" ? undefined : "OK");
      return;
    }
    const isJSON = (req.headers["content-type"] ?? "").includes("json");
    const text = isJSON ? Buffer.concat(chunks).toString("utf8") : "";
    const rec: Recorded = { method: req.method ?? "", path: p, query: Object.fromEntries(url.searchParams), auth: decodeAuth(req.headers["x-registry-auth"] as string | undefined), body: text === "" ? null : JSON.parse(text) };
    if (req.headers["x-registry-config"] !== undefined) rec.config = decodeAuth(req.headers["x-registry-config"] as string);
    requests.push(rec);
    const stream = (msgs: Msg[]): void => {
      res.writeHead(200, { "Content-Type": "application/json", "Api-Version": "1.44" });
      for (const m of msgs) res.write(`${JSON.stringify(m)}\r\n`);
      res.end();
    };
    const from = url.searchParams.get("fromImage") ?? "";
    if (p === "/images/create") {
      const short = from.replace(/^docker\.io\/(library\/)?/, "");
      if (short === "missing") return json(404, { message: `pull access denied for missing, repository does not exist or may require 'docker login': denied: requested access to the resource is denied` });
      if (short === "localhost:5000/needauth" && (rec.auth as { password?: string } | null)?.password !== "good") return json(401, { message: "Head \"http://localhost:5000/v2/needauth/manifests/latest\": unauthorized: authentication required" });
      if (short === "broken") return stream([{ status: "Pulling from library/broken", id: "latest" }, { status: "Pulling fs layer", progressDetail: {}, id: L1 }, { errorDetail: { message: "unexpected EOF" }, error: "unexpected EOF" }]);
      const tag = url.searchParams.get("tag") ?? "";
      pulled.add(`${short}:${tag}`);
      if (tag === "") return stream([...pullStream(short, "1"), ...pullStream(short, "latest")]);
      return stream(pullStream(short, tag.startsWith("sha256:") ? "latest" : tag));
    }
    const push = /^\/images\/(.+)\/push$/.exec(p);
    if (push !== null) {
      const name = push[1] ?? "";
      const tag = url.searchParams.get("tag") ?? "latest";
      if (name.endsWith("/nosuch")) return json(404, { message: `An image does not exist locally with the tag: ${name.replace(/^docker\.io\/(library\/)?/, "")}` });
      if (name.endsWith("/private")) return stream([{ status: `The push refers to repository [${name}]` }, { status: "Preparing", progressDetail: {}, id: L1 }, { errorDetail: { message: "unauthorized: authentication required" }, error: "unauthorized: authentication required" }]);
      return stream(pushStream(name, tag));
    }
    if (p === "/containers/create") {
      const image = (rec.body as { Image?: string }).Image ?? "";
      if (!pulled.has(image)) return json(404, { message: `No such image: ${image}` });
      return json(201, { Id: "c".repeat(64), Warnings: [] });
    }
    if (p === "/build") {
      res.writeHead(200, { "Content-Type": "application/json", "Api-Version": "1.44" });
      res.end(`${JSON.stringify({ aux: { ID: `sha256:${"d".repeat(64)}` } })}\n`);
      return;
    }
    if (p === "/auth") {
      const b = rec.body as { password?: string; username?: string };
      if (b.password === "good") return json(200, { Status: "Login Succeeded", IdentityToken: "" });
      if (b.password === "tok") return json(200, { Status: "Login Succeeded", IdentityToken: "identity-token-1" });
      return json(401, { message: "login attempt to http://localhost:5000/v2/ failed with status: 401 Unauthorized" });
    }
    json(404, { message: `page not found: ${p}` });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "berth-cli-registry-"));
  socket = join(dir, "d.sock");
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const configDir = (): string => join(dir, "config");

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, BERTH_HOST: `unix://${socket}`, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: configDir(), BERTH_NO_AUTOSTART: "1", DOCKER_CLI_HINTS: "false", ...extra };
}

function resetConfig(content?: unknown): void {
  rmSync(configDir(), { recursive: true, force: true });
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  if (content !== undefined) writeFileSync(join(configDir(), "config.json"), JSON.stringify(content, null, "\t"), { mode: 0o600 });
}

interface Both {
  berth: RunResult;
  docker: RunResult;
  berthReqs: Recorded[];
  dockerReqs: Recorded[];
  berthConfig: string | undefined;
  dockerConfig: string | undefined;
}

const readConfig = (): string | undefined => (existsSync(join(configDir(), "config.json")) ? readFileSync(join(configDir(), "config.json"), "utf8") : undefined);

/** Runs the same arguments through berth and docker, each from the same starting config.json. */
async function both(args: string[], opts: { input?: string; config?: unknown; env?: NodeJS.ProcessEnv } = {}): Promise<Both> {
  resetConfig(opts.config);
  requests = [];
  pulled.clear();
  const berth = await run("node", [BERTH_JS, ...args], { env: env(opts.env), input: opts.input ?? "" });
  const berthReqs = requests;
  const berthConfig = readConfig();
  resetConfig(opts.config);
  requests = [];
  pulled.clear();
  const docker = await run(DOCKER_CLI, args, { env: env(opts.env), input: opts.input ?? "" });
  const dockerReqs = requests;
  const dockerConfig = readConfig();
  return { berth, docker, berthReqs, dockerReqs, berthConfig, dockerConfig };
}

function assertSame(b: Both, what: string): void {
  assert.equal(b.berth.stdout, b.docker.stdout, `${what}: stdout`);
  assert.equal(b.berth.stderr, b.docker.stderr, `${what}: stderr`);
  assert.equal(b.berth.code, b.docker.code, `${what}: exit code`);
  assert.deepEqual(b.berthReqs, b.dockerReqs, `${what}: requests`);
}

/** Runs a command on a pty of the given width (stdin, stdout and stderr all the terminal). */
const PTY_PY = `
import os, pty, sys, fcntl, termios, struct
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack('HHHH', 40, cols, 0, 0))
    os.execvp(sys.argv[2], sys.argv[2:])
out = b''
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(st))
`;

async function bothTTY(args: string[], cols: number): Promise<{ berth: RunResult; docker: RunResult }> {
  resetConfig();
  const berth = await run("python3", ["-c", PTY_PY, String(cols), "node", BERTH_JS, ...args], { env: env() });
  const docker = await run("python3", ["-c", PTY_PY, String(cols), DOCKER_CLI, ...args], { env: env() });
  return { berth, docker };
}

/** Like PTY_PY, answering prompts: argv[2] is a JSON list of [text to wait for, text to type]. */
const EXPECT_PY = `
import os, pty, sys, fcntl, termios, struct, json, select, time
cols = int(sys.argv[1]); script = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack('HHHH', 40, cols, 0, 0))
    os.execvp(sys.argv[3], sys.argv[3:])
out = b''; seen = 0; deadline = time.time() + 20
while True:
    if script and script[0][0].encode() in out[seen:]:
        seen = out.index(script[0][0].encode(), seen) + len(script[0][0])
        time.sleep(0.2)
        os.write(fd, script.pop(0)[1].encode())
    r, _, _ = select.select([fd], [], [], 0.1)
    if time.time() > deadline:
        os.kill(pid, 9)
    if not r:
        continue
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(st))
`;

/** Runs berth and docker on a pty, typing answers to their prompts; returns output, exit code, requests and config. */
async function bothInteractive(args: string[], script: [string, string][], config?: unknown): Promise<Both> {
  const one = async (cmd: string[]): Promise<[RunResult, Recorded[], string | undefined]> => {
    resetConfig(config);
    requests = [];
    const r = await run("python3", ["-c", EXPECT_PY, "100", JSON.stringify(script), ...cmd], { env: env() });
    return [r, requests, readConfig()];
  };
  const [berth, berthReqs, berthConfig] = await one(["node", BERTH_JS, ...args]);
  const [docker, dockerReqs, dockerConfig] = await one([DOCKER_CLI, ...args]);
  return { berth, docker, berthReqs, dockerReqs, berthConfig, dockerConfig };
}

test("interactive: login prompts, and a 401 pull asks for credentials and retries", async () => {
  const cases: [string[], [string, string][], unknown][] = [
    [["login", "localhost:5000"], [["Username: ", "alice\r"], ["Password: ", "good\r"]], undefined],
    [["login", "-u", "alice", "localhost:5000"], [["Password: ", "good\r"]], undefined],
    [["login", "localhost:5000"], [["Username (alice): ", "\r"], ["Password: ", "good\r"]], { auths: { "localhost:5000": { auth: b64("alice:wrong") } } }],
    [["login", "localhost:5000"], [["Username: ", "\r"]], undefined],
    [["pull", "localhost:5000/needauth"], [["Username: ", "alice\r"], ["Password: ", "good\r"]], undefined],
  ];
  for (const [args, script, config] of cases) {
    const r = await bothInteractive(args, script, config);
    const norm = (s: string): string => s.replace(/'(berth|docker) logout' followed by '(berth|docker) login'/, "'X logout' followed by 'X login'");
    assert.equal(norm(r.berth.stdout), norm(r.docker.stdout), `${args.join(" ")}: terminal output`);
    assert.equal(r.berth.code, r.docker.code, `${args.join(" ")}: exit code`);
    assert.deepEqual(r.berthReqs, r.dockerReqs, `${args.join(" ")}: requests`);
    assert.equal(r.berthConfig, r.dockerConfig, `${args.join(" ")}: config.json`);
  }
  const r = await bothInteractive(["login", "localhost:5000"], [["Username: ", "alice\r"], ["Password: ", "good\r"]]);
  assert.match(r.berth.stdout, /Username: alice\r\nPassword: \r\n/, "the password is not echoed");
  assert.match(r.berth.stdout, /Login Succeeded\r\n$/);
  const p = await bothInteractive(["pull", "localhost:5000/needauth"], [["Username: ", "alice\r"], ["Password: ", "good\r"]]);
  assert.match(p.berth.stdout, /\r\nLogin prior to pull:\r\n/);
  assert.equal(p.berthReqs.length, 2);
  assert.deepEqual(p.berthReqs[1]?.auth, { username: "alice", password: "good", serveraddress: "https://index.docker.io/v1/" });
});

const b64 = (s: string): string => Buffer.from(s).toString("base64");

test("pull: output, query and X-Registry-Auth match docker's (not a terminal)", async () => {
  for (const args of [["pull", "busybox"], ["pull", "busybox:1.36"], ["pull", "-q", "busybox"], ["image", "pull", "localhost:5000/team/app:v1"], ["pull", `busybox@${DIGEST}`], ["pull", "-a", "busybox"], ["pull", "--platform", "linux/ARM64", "busybox"]]) {
    const r = await both(args);
    assertSame(r, args.join(" "));
    assert.equal(r.berth.code, 0, args.join(" "));
  }
  const r = await both(["pull", "busybox"]);
  assert.match(r.berth.stdout, /^Using default tag: latest\nlatest: Pulling from busybox\n/);
  assert.match(r.berth.stdout, /\ndocker\.io\/library\/busybox:latest\n$/);
  assert.deepEqual(r.berthReqs[0]?.query, { fromImage: "docker.io/library/busybox", tag: "latest" });
  assert.deepEqual(r.berthReqs[0]?.auth, {});
  const q = await both(["pull", "-q", "busybox"]);
  assert.equal(q.berth.stdout, "docker.io/library/busybox:latest\n");
});

test("pull: errors match docker's", async () => {
  for (const args of [["pull", "missing"], ["pull", "broken"], ["pull", "Busybox"], ["pull", "bad//name"], ["pull", "-a", "busybox:1"]]) {
    const r = await both(args);
    assertSame(r, args.join(" "));
    assert.equal(r.berth.code, 1, args.join(" "));
  }
  const r = await both(["pull", "broken"]);
  assert.match(r.berth.stderr, /^unexpected EOF\n$/);
  const inv = await both(["pull", "bad//name"]);
  assert.equal(inv.berth.stderr, "invalid reference format\n");
});

test("pull and push send the stored credentials of the image's registry", async () => {
  const config = { auths: { "localhost:5000": { auth: b64("alice:secret") }, "https://index.docker.io/v1/": { auth: b64("hubuser:hubpass") }, "other:1": { identitytoken: "tok-1" } } };
  for (const args of [["pull", "localhost:5000/team/app"], ["pull", "alice/app"], ["pull", "busybox"], ["pull", "other:1/x"], ["push", "localhost:5000/team/app"]]) {
    const r = await both(args, { config });
    assertSame(r, args.join(" "));
  }
  const r = await both(["pull", "localhost:5000/team/app"], { config });
  assert.deepEqual(r.berthReqs[0]?.auth, { username: "alice", password: "secret", serveraddress: "localhost:5000" });
  const hub = await both(["pull", "busybox"], { config });
  assert.deepEqual(hub.berthReqs[0]?.auth, { username: "hubuser", password: "hubpass", serveraddress: "https://index.docker.io/v1/" });
});

test("push: output, -q, aux hidden and errors match docker's", async () => {
  for (const args of [["push", "localhost:5000/team/app"], ["push", "localhost:5000/team/app:v2"], ["push", "-q", "localhost:5000/team/app:v2"], ["image", "push", "-a", "localhost:5000/team/app"]]) {
    const r = await both(args);
    assertSame(r, args.join(" "));
    assert.equal(r.berth.code, 0, args.join(" "));
  }
  const q = await both(["push", "-q", "localhost:5000/team/app:v2"]);
  assert.equal(q.berth.stdout, "localhost:5000/team/app:v2\n");
  const full = await both(["push", "localhost:5000/team/app:v2"]);
  assert.doesNotMatch(full.berth.stdout, /Tag|"Digest"/);
  assert.match(full.berth.stdout, /v2: digest: sha256:(5c)+ size: 527\n$/);
  assert.equal(full.berthReqs[0]?.path, "/images/localhost:5000/team/app/push");
  for (const args of [["push", "localhost:5000/nosuch"], ["push", "localhost:5000/private"], ["push", "UPPER"], ["push", "-a", "localhost:5000/team/app:v1"], ["push", "--platform", "linux/amd64", "localhost:5000/team/app"], ["push", "--platform", "bogus", "localhost:5000/team/app"], ["push", `localhost:5000/team/app@${DIGEST}`]]) {
    const r = await both(args);
    assertSame(r, args.join(" "));
    assert.equal(r.berth.code, 1, args.join(" "));
  }
  const unauth = await both(["push", "localhost:5000/private"]);
  assert.match(unauth.berth.stderr, /^unauthorized: authentication required\n$/);
  const nosuch = await both(["push", "localhost:5000/nosuch"]);
  assert.equal(nosuch.berth.stderr, "Error response from daemon: An image does not exist locally with the tag: localhost:5000/nosuch\n");
});

test("pull and push on a terminal render docker's progress display", async () => {
  for (const cols of [80, 140]) {
    for (const args of [["pull", "busybox"], ["push", "localhost:5000/team/app"], ["pull", "broken"]]) {
      const r = await bothTTY(args, cols);
      assert.equal(r.berth.stdout, r.docker.stdout, `${args.join(" ")} at ${cols} columns`);
      assert.equal(r.berth.code, r.docker.code);
    }
  }
  const wide = await bothTTY(["pull", "busybox"], 140);
  assert.match(wide.berth.stdout, /\x1b\[2K\ra1b2c3d4e5f6: Downloading \[=+> +\] {4}1\.5MB\/2\.151MB\r/);
  assert.match(wide.berth.stdout, /\x1b\[\d+A/);
});

test("login -u -p / --password-stdin store docker's config.json", async () => {
  for (const [args, input] of [
    [["login", "-u", "alice", "-p", "good", "localhost:5000"], ""],
    [["login", "-u", "alice", "--password-stdin", "http://localhost:5000/v2/"], "good\n"],
    [["login", "-u", "bob", "-p", "good"], ""],
    [["login", "-u", "bob", "-p", "tok", "docker.io"], ""],
  ] as const) {
    const r = await both([...args], { input });
    assertSame(r, args.join(" "));
    assert.equal(r.berth.code, 0, `${args.join(" ")}: ${r.berth.stderr}`);
    assert.equal(r.berthConfig, r.dockerConfig, `${args.join(" ")}: config.json`);
  }
  const r = await both(["login", "-u", "alice", "-p", "good", "localhost:5000"]);
  assert.equal(r.berth.stdout, "Login Succeeded\n");
  assert.match(r.berth.stderr, /^WARNING! Using --password via the CLI is insecure\. Use --password-stdin\.\n/);
  assert.deepEqual(JSON.parse(r.berthConfig ?? "{}"), { auths: { "localhost:5000": { auth: b64("alice:good") } } });
  assert.equal(statSync(join(configDir(), "config.json")).mode & 0o777, 0o600);
  assert.deepEqual(r.berthReqs[0]?.body, { username: "alice", password: "good", serveraddress: "localhost:5000" });
  // --config DIR wins over $DOCKER_CONFIG
  const other = join(dir, "other-config");
  const viaFlag = await run("node", [BERTH_JS, "--config", other, "login", "-u", "carol", "-p", "good", "localhost:5000"], { env: env() });
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(other, "config.json"), "utf8")), { auths: { "localhost:5000": { auth: b64("carol:good") } } });
  const hub = await both(["login", "-u", "bob", "-p", "tok"]);
  assert.deepEqual(JSON.parse(hub.berthConfig ?? "{}"), { auths: { "https://index.docker.io/v1/": { auth: b64("bob:"), identitytoken: "identity-token-1" } } });
});

test("login: failures and stored credentials match docker's", async () => {
  const stored = { auths: { "localhost:5000": { auth: b64("alice:good") } } };
  const storedBad = { auths: { "localhost:5000": { auth: b64("alice:wrong") } } };
  for (const [args, input, config] of [
    [["login", "-u", "alice", "-p", "wrong", "localhost:5000"], "", undefined],
    [["login", "localhost:5000"], "", undefined],
    [["login", "-u", "alice", "localhost:5000"], "", undefined],
    [["login", "-p", "x", "--password-stdin", "localhost:5000"], "", undefined],
    [["login", "--password-stdin", "localhost:5000"], "", undefined],
    [["login", "-u", "", "-p", "x", "localhost:5000"], "", undefined],
    [["login", "localhost:5000"], "", stored],
    [["login", "localhost:5000"], "", storedBad],
  ] as const) {
    const r = await both([...args], { input, config });
    const norm = (s: string): string => s.replace(/'(berth|docker) logout' followed by '(berth|docker) login'/, "'X logout' followed by 'X login'");
    assert.equal(r.berth.stdout, r.docker.stdout, `${args.join(" ")}: stdout`);
    assert.equal(norm(r.berth.stderr), norm(r.docker.stderr), `${args.join(" ")}: stderr`);
    assert.equal(r.berth.code, r.docker.code, `${args.join(" ")}: code`);
    assert.deepEqual(r.berthReqs, r.dockerReqs, `${args.join(" ")}: requests`);
    assert.equal(r.berthConfig, r.dockerConfig, `${args.join(" ")}: config.json`);
  }
});

test("logout removes every key form of the server and matches docker's output", async () => {
  const config = { auths: { "localhost:5000": { auth: b64("a:b") }, "http://localhost:5000": { auth: b64("a:b") }, "https://index.docker.io/v1/": { auth: b64("c:d") }, "keep:1": { auth: b64("e:f") } } };
  for (const args of [["logout", "localhost:5000"], ["logout"], ["logout", "nothing:9"]]) {
    const r = await both(args, { config });
    assertSame(r, args.join(" "));
    assert.equal(r.berthConfig, r.dockerConfig, `${args.join(" ")}: config.json`);
  }
  const r = await both(["logout", "localhost:5000"], { config });
  assert.equal(r.berth.stdout, "Removing login credentials for localhost:5000\n");
  assert.deepEqual(Object.keys((JSON.parse(r.berthConfig ?? "{}") as { auths: object }).auths).sort(), ["https://index.docker.io/v1/", "keep:1"]);
});

test("a credential helper (credHelpers) serves login, pull and logout", async () => {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const store = join(dir, "helper-store.json");
  writeFileSync(store, "{}");
  // docker-credential-test: a JSON file as the keychain, in docker's helper protocol
  writeFileSync(
    join(bin, "docker-credential-test"),
    `#!/usr/bin/env node
const fs = require("fs"); const f = ${JSON.stringify(store)};
const db = JSON.parse(fs.readFileSync(f, "utf8"));
const input = fs.readFileSync(0, "utf8");
const action = process.argv[2];
if (action === "store") { const c = JSON.parse(input); db[c.ServerURL] = c; fs.writeFileSync(f, JSON.stringify(db)); }
else if (action === "get") { const c = db[input.trim()]; if (!c) { process.stdout.write("credentials not found in native keychain\\n"); process.exit(1); } process.stdout.write(JSON.stringify(c)); }
else if (action === "erase") { delete db[input.trim()]; fs.writeFileSync(f, JSON.stringify(db)); }
else if (action === "list") { process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(db).map(([k, v]) => [k, v.Username])))); }
`,
  );
  chmodSync(join(bin, "docker-credential-test"), 0o755);
  const pathEnv = { PATH: `${bin}:${process.env.PATH ?? ""}` };
  const config = { credHelpers: { "localhost:5000": "test" } };
  const login = await both(["login", "-u", "alice", "-p", "good", "localhost:5000"], { config, env: pathEnv });
  assertSame(login, "login with a helper");
  assert.equal(login.berthConfig, login.dockerConfig);
  assert.deepEqual(JSON.parse(readFileSync(store, "utf8")), { "localhost:5000": { ServerURL: "localhost:5000", Username: "alice", Secret: "good" } });
  const pull = await both(["pull", "localhost:5000/app"], { config, env: pathEnv });
  assertSame(pull, "pull with a helper");
  assert.deepEqual(pull.berthReqs[0]?.auth, { username: "alice", password: "good", serveraddress: "localhost:5000" });
  const logout = await both(["logout", "localhost:5000"], { config, env: pathEnv });
  assertSame(logout, "logout with a helper");
  assert.deepEqual(JSON.parse(readFileSync(store, "utf8")), {});
  const missing = await both(["pull", "localhost:5000/app"], { config: { credsStore: "absent" } });
  assertSame(missing, "pull with a missing helper");
});

test("create's automatic pull sends the registry's credentials and prints as docker's", async () => {
  const config = { auths: { "localhost:5000": { auth: b64("alice:secret") } } };
  for (const args of [["create", "localhost:5000/team/app"], ["create", "-q", "localhost:5000/team/app:v1"], ["create", "--pull=never", "localhost:5000/team/app"]]) {
    const r = await both(args, { config });
    assert.equal(r.berth.stdout, r.docker.stdout, `${args.join(" ")}: stdout`);
    assert.equal(r.berth.stderr, r.docker.stderr, `${args.join(" ")}: stderr`);
    assert.equal(r.berth.code, r.docker.code, `${args.join(" ")}: code`);
    const pulls = (x: Recorded[]): Recorded[] => x.filter((q) => q.path === "/images/create");
    assert.deepEqual(pulls(r.berthReqs), pulls(r.dockerReqs), `${args.join(" ")}: pull requests`);
  }
  const r = await both(["create", "localhost:5000/team/app"], { config });
  assert.match(r.berth.stderr, /^Unable to find image 'localhost:5000\/team\/app:latest' locally\n/);
  assert.deepEqual(r.berthReqs.find((q) => q.path === "/images/create")?.auth, { username: "alice", password: "secret", serveraddress: "localhost:5000" });
  const broken = await both(["create", "localhost:5000/team/app"], { config: { credsStore: "absent" } });
  assert.equal(broken.berth.stderr, broken.docker.stderr, "a failing credential helper stops create's pull as docker's");
  assert.equal(broken.berth.code, broken.docker.code);
  const never = await both(["create", "--pull=never", "localhost:5000/team/app"], { config });
  assert.equal(never.berthReqs.filter((q) => q.path === "/images/create").length, 0);
});

test("build sends every stored credential in X-Registry-Config, as docker's legacy builder", async () => {
  const ctxDir = join(dir, "build-ctx");
  mkdirSync(ctxDir, { recursive: true });
  writeFileSync(join(ctxDir, "Dockerfile"), "FROM localhost:5000/base\n");
  const config = { auths: { "localhost:5000": { auth: b64("alice:secret") }, "https://index.docker.io/v1/": { identitytoken: "T" } } };
  const r = await both(["build", "-q", ctxDir], { config, env: { DOCKER_BUILDKIT: "0" } });
  const cfgOf = (x: Recorded[]): unknown => x.find((q) => q.path === "/build")?.config;
  assert.deepEqual(cfgOf(r.berthReqs), cfgOf(r.dockerReqs));
  assert.deepEqual(cfgOf(r.berthReqs), { "https://index.docker.io/v1/": { identitytoken: "T", serveraddress: "https://index.docker.io/v1/" }, "localhost:5000": { username: "alice", password: "secret", serveraddress: "localhost:5000" } });
});
