import { test } from "node:test";
import assert from "node:assert/strict";
import type { CliContext } from "../context.js";
import { DaemonError } from "../../client/engine-client.js";
import { run as containerInspect } from "./container-inspect.js";
import { run as inspect } from "./inspect.js";

function fake(objects: Record<string, unknown>): { ctx: CliContext; out: () => string; err: () => string; paths: string[] } {
  let out = "";
  let err = "";
  const paths: string[] = [];
  const client = {
    get: async (path: string, query?: Record<string, string>) => {
      paths.push(path + (query?.size !== undefined ? `?size=${query.size}` : ""));
      const hit = objects[path];
      if (hit === undefined) throw new DaemonError(path.startsWith("/containers/") ? `No such container: ${decodeURIComponent(path.split("/")[2] ?? "")}` : `No such image: ${decodeURIComponent(path.split("/")[2] ?? "")}`, 404);
      return hit;
    },
  };
  const ctx = { client: async () => client, out: (s: string) => (out += s), err: (s: string) => (err += s) } as unknown as CliContext;
  return { ctx, out: () => out, err: () => err, paths };
}

test("inspect finds containers before images; --type limits the lookup", async () => {
  const objs = { "/containers/web/json": { Name: "/web", Id: "c" }, "/images/web/json": { Id: "sha256:x" }, "/images/img/json": { Name: "", Id: "sha256:i" } };
  let f = fake(objs);
  assert.equal(await inspect(f.ctx, ["web", "img"], { format: "{{.Name}}{{.Id}}", type: undefined }), 0);
  assert.equal(f.out(), "/webc\nsha256:i\n");
  assert.deepEqual(f.paths, ["/containers/web/json", "/containers/img/json", "/images/img/json"]);
  f = fake(objs);
  assert.equal(await inspect(f.ctx, ["web"], { format: "{{.Id}}", type: "image" }), 0);
  assert.equal(f.out(), "sha256:x\n");
  f = fake(objs);
  assert.equal(await inspect(f.ctx, ["img"], { format: "{{.Id}}", type: "container" }), 1);
  assert.equal(f.out(), "\n");
  assert.equal(f.err(), "Error response from daemon: No such container: img\n");
  f = fake(objs);
  assert.equal(await inspect(f.ctx, ["nope"], {}), 1);
  assert.deepEqual([f.out(), f.err()], ["[]\n", "Error: No such object: nope\n"]);
  assert.throws(() => inspect(fake(objs).ctx, ["x"], { type: "bogus" }), {
    message: 'unknown type: "bogus": must be one of "config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"',
  });
});

test("container inspect: -s asks for sizes, missing ones are daemon errors", async () => {
  const f = fake({ "/containers/web/json": { Name: "/web", SizeRw: 1 } });
  assert.equal(await containerInspect(f.ctx, ["web", "img"], { format: "{{.SizeRw}}", size: true }), 1);
  assert.equal(f.out(), "1\n");
  assert.equal(f.err(), "Error response from daemon: No such container: img\n");
  assert.deepEqual(f.paths, ["/containers/web/json?size=1", "/containers/img/json?size=1"]);
});
