import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { nullLogger } from "../util/log.js";
import { defaultConfig } from "./config.js";
import { startDaemon } from "./daemon.js";

function get(socketPath: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, path: p, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on("error", reject);
    r.end();
  });
}

test("startDaemon in-process (native driver): serves the API, publishes daemon start, close() releases everything", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berthd-"));
  const socket = path.join(dir, "api.sock");
  const config = defaultConfig({
    dataRoot: path.join(dir, "data"),
    execRoot: path.join(dir, "exec"),
    hosts: [`unix://${socket}`],
    storageDriver: "native",
    allowedRegistries: ["127.0.0.0/8"],
  });
  const d = await startDaemon({ config, log: nullLogger });
  t.after(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(d.socket, socket);
  assert.equal(d.driver, "native");
  assert.equal(statSync(config.dataRoot).mode & 0o777, 0o711);
  await assert.rejects(startDaemon({ config: { ...config, hosts: [`unix://${socket}2`] }, log: nullLogger }), /berthd is already running on data root/);

  const info = JSON.parse((await get(socket, "/v1.44/info")).body) as Record<string, unknown>;
  assert.equal(info["Driver"], "native");
  assert.equal(info["DockerRootDir"], config.dataRoot);
  assert.equal(info["Images"], 0);
  const version = JSON.parse((await get(socket, "/version")).body) as { ApiVersion: string; Components: Array<{ Name: string }> };
  assert.equal(version.ApiVersion, "1.44");
  assert.equal(version.Components[0]?.Name, "Engine");
  const df = await get(socket, "/system/df?type=image");
  assert.deepEqual(JSON.parse(df.body), { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] });

  const until = Date.now() / 1000;
  const ev = await get(socket, `/events?since=0&until=${until}`);
  const events = ev.body.trim().split("\n").map((l) => JSON.parse(l) as { Type: string; Action: string });
  assert.deepEqual(events.map((e) => `${e.Type} ${e.Action}`), ["daemon start"]);
  assert.equal((await get(socket, `/events?since=0&until=${until}&filters=${encodeURIComponent('{"nope":["x"]}')}`)).status, 400);
  const pull = await get(socket, "/images/create?fromImage=busybox");
  assert.equal(pull.status, 404, "GET is not a route for create");

  await d.close();
  assert.equal(existsSync(socket), false);
  assert.equal(existsSync(path.join(config.dataRoot, "berthd.lock")), false);
  // The data root can be opened again once released.
  const again = await startDaemon({ config, log: nullLogger });
  await again.close();
});
