/** Runs the docker CLI and berth against one fake daemon (canned docker JSON) and compares their output. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../helpers/run.js";

const now = Math.floor(Date.now() / 1000);
const ID = `sha256:${"ab".repeat(32)}`;
const images = [
  { Id: ID, ParentId: "", RepoTags: ["busybox:latest", "busybox:1"], RepoDigests: [`busybox@sha256:${"cd".repeat(32)}`], Created: now - 7200, Size: 4_261_234, SharedSize: -1, Labels: {}, Containers: -1 },
  { Id: `sha256:${"ef".repeat(32)}`, ParentId: "", RepoTags: [], RepoDigests: [], Created: now - 90, Size: 1234, SharedSize: -1, Labels: {}, Containers: -1 },
];
const history = [{ Id: ID, Created: now - 7200, CreatedBy: '/bin/sh -c #(nop)  CMD ["sh"] and a long tail of text here', Tags: ["busybox:latest"], Size: 0, Comment: "" }];
const inspect = { Id: ID, RepoTags: ["busybox:latest"], RepoDigests: [], Parent: "", Comment: "", Created: "2024-01-01T00:00:00Z", DockerVersion: "", Author: "", Config: { Cmd: ["sh"], Env: ["PATH=/bin"] }, Architecture: "amd64", Os: "linux", Size: 4261234, GraphDriver: { Name: "overlay2", Data: null }, RootFS: { Type: "layers", Layers: [] }, Metadata: { LastTagTime: "0001-01-01T00:00:00Z" } };
const version = { Platform: { Name: "berth" }, Components: [{ Name: "Engine", Version: "0.1.0", Details: { ApiVersion: "1.44", Arch: "amd64", BuildTime: "2024-01-01T00:00:00.000000000+00:00", Experimental: "false", GitCommit: "abc", GoVersion: "node", KernelVersion: "6", MinAPIVersion: "1.24", Os: "linux" } }], Version: "0.1.0", ApiVersion: "1.44", MinAPIVersion: "1.24", GitCommit: "abc", GoVersion: "node", Os: "linux", Arch: "amd64", KernelVersion: "6", BuildTime: "2024-01-01T00:00:00.000000000+00:00" };

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  const p = url.pathname.replace(/^\/v[\d.]+/, "");
  const json = (code: number, v: unknown): void => {
    res.writeHead(code, { "Content-Type": "application/json", "Api-Version": "1.44" });
    res.end(JSON.stringify(v));
  };
  req.resume();
  if (p === "/_ping") {
    res.writeHead(200, { "Api-Version": "1.44", "Content-Type": "text/plain" });
    res.end("OK");
  } else if (p === "/images/json") json(200, images);
  else if (p === "/version") json(200, version);
  else if (p === "/system/df") json(200, { LayersSize: 4262468, Images: images, Containers: [], Volumes: [], BuildCache: [] });
  else if (p === "/images/busybox/history") json(200, history);
  else if (p === "/images/busybox/json") json(200, inspect);
  else if (p === "/images/busybox/tag") {
    res.writeHead(201);
    res.end();
  } else if (req.method === "DELETE" && p === "/images/busybox") json(200, [{ Untagged: "busybox:latest" }, { Deleted: ID }]);
  else if (p.startsWith("/images/")) json(404, { message: `No such image: ${decodeURIComponent(p.split("/")[2] ?? "")}` });
  else json(404, { message: "page not found" });
}

let dir = "";
let server: http.Server;
let sock = "";
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "berth-cli-compat-"));
  sock = join(dir, "d.sock");
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(sock, r));
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function both(args: string[]): Promise<void> {
  const env = { ...process.env, BERTH_NO_AUTOSTART: "1", DOCKER_CONFIG: dir, TZ: "UTC" };
  const d = await run("/usr/local/bin/docker", ["-H", `unix://${sock}`, ...args], { env });
  const b = await run(process.execPath, [join(process.cwd(), "dist/berth.cjs"), "-H", `unix://${sock}`, ...args], { env });
  const norm = (s: string): string => s.replace(/docker/g, "berth").replace(/Docker/g, "berth");
  assert.equal(norm(b.stdout), norm(d.stdout), `stdout of ${args.join(" ")}`);
  assert.equal(norm(b.stderr), norm(d.stderr), `stderr of ${args.join(" ")}`);
  assert.equal(b.code, d.code, `exit code of ${args.join(" ")}`);
}

const cases: string[][] = [
  ["images"],
  ["images", "-q"],
  ["images", "--no-trunc"],
  ["images", "--digests"],
  ["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
  ["images", "--format", "table {{.ID}}\\t{{.Size}}"],
  ["images", "--format", "json"],
  ["images", "--foo"],
  ["history", "busybox"],
  ["history", "--no-trunc", "-q", "busybox"],
  ["image", "inspect", "busybox"],
  ["image", "inspect", "-f", "{{.Os}}/{{.Architecture}} {{json .Config.Cmd}}", "busybox"],
  ["image", "inspect", "nosuch"],
  ["tag", "busybox", "foo:bar"],
  ["tag", "busybox"],
  ["rmi", "busybox"],
  ["rmi", "nosuch", "busybox"],
  ["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"],
  ["system", "df"],
];
for (const c of cases) test(`berth ${c.join(" ")} matches docker`, () => both(c));
