import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSummary } from "../api/types/index.js";
import { defaultConfig } from "./config.js";
import { parseRuntimeVersion } from "./runtime-info.js";
import { SystemService } from "./system-service.js";

const ctx = { apiVersion: "1.44", signal: new AbortController().signal };
const image = { Id: "sha256:a", Size: 10 } as ImageSummary;

function service(): SystemService {
  return new SystemService({
    config: defaultConfig({ dataRoot: "/tmp", runtime: "crun" }),
    driver: "overlay2",
    id: "engine-1",
    images: { count: () => Promise.resolve(1), diskUsage: () => ({ layersSize: 10, images: [image] }) },
    containers: {
      counts: () => Promise.resolve({ total: 3, running: 1, paused: 0, stopped: 2 }),
      diskUsage: () => Promise.resolve([{ Id: "c1" }]),
    },
    components: () => Promise.resolve([{ Name: "crun", Version: "1.8.1", Details: { GitCommit: "f8a096b" } }]),
  });
}

test("df: type limits what is computed; everything without it", async () => {
  const s = service();
  assert.deepEqual(await s.df({ types: [] }, ctx), { LayersSize: 10, Images: [image], Containers: [{ Id: "c1" }], Volumes: [], BuildCache: [] });
  assert.deepEqual(await s.df({ types: ["container"] }, ctx), { LayersSize: 0, Images: [], Containers: [{ Id: "c1" }], Volumes: [], BuildCache: [] });
});

test("info and version: counts, driver, runtime component", async () => {
  const s = service();
  const info = await s.info(ctx);
  assert.equal(info["ID"], "engine-1");
  assert.equal(info["Containers"], 3);
  assert.equal(info["ContainersStopped"], 2);
  assert.equal(info["Images"], 1);
  assert.equal(info["Driver"], "overlay2");
  assert.equal(info["DefaultRuntime"], "crun");
  assert.deepEqual(info["RuncCommit"], { ID: "f8a096b" });
  assert.deepEqual(info["Warnings"], []);
  const v = await s.version(ctx);
  assert.deepEqual(v.Components.map((c) => c.Name), ["Engine", "crun"]);
  assert.equal(v.MinAPIVersion, "1.24");
});

test("runtime version parsing (runc and crun output)", () => {
  assert.deepEqual(parseRuntimeVersion("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n"), { version: "1.1.5+ds1", commit: "1.1.5+ds1-1+deb12u1" });
  assert.deepEqual(parseRuntimeVersion("crun version 1.8.1\ncommit: f8a096be\nrundir: /run/crun\n"), { version: "1.8.1", commit: "f8a096be" });
});
