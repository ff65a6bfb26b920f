import assert from "node:assert/strict";
import { test } from "node:test";
import { buildRequestOf } from "./build.js";

test("buildRequestOf: the legacy CLI's query", () => {
  const q = new URLSearchParams();
  q.append("t", "a:1");
  q.append("t", "b");
  q.set("dockerfile", "sub/Dockerfile.dev");
  q.set("buildargs", JSON.stringify({ A: "1", B: null }));
  q.set("labels", JSON.stringify({ l: "v" }));
  q.set("target", "final");
  q.set("nocache", "1");
  q.set("q", "1");
  q.set("networkmode", "none");
  const r = buildRequestOf(q);
  assert.deepEqual(r, {
    tags: ["a:1", "b"],
    dockerfile: "sub/Dockerfile.dev",
    buildArgs: { A: "1", B: null },
    labels: { l: "v" },
    target: "final",
    noCache: true,
    quiet: true,
    networkMode: "none",
    platform: "",
  });
  assert.equal(buildRequestOf(new URLSearchParams()).dockerfile, "Dockerfile");
});

test("buildRequestOf: bad JSON and BuildKit's version=2 are refused", () => {
  assert.throws(() => buildRequestOf(new URLSearchParams("buildargs=%7Bnope")), /invalid buildargs parameter/);
  assert.throws(() => buildRequestOf(new URLSearchParams("labels=%5B1%5D")), /invalid labels parameter/);
  assert.throws(() => buildRequestOf(new URLSearchParams("version=2")), /BuildKit/);
});

test("buildRequestOf: cachefrom is the docker CLI's JSON array; null, [] and empty names mean none", () => {
  assert.deepEqual(buildRequestOf(new URLSearchParams({ cachefrom: JSON.stringify(["app:v1", "", "sha256:abc"]) })).cacheFrom, ["app:v1", "sha256:abc"]);
  for (const none of ["null", "[]", "", '[""]']) assert.equal(buildRequestOf(new URLSearchParams({ cachefrom: none })).cacheFrom, undefined, none);
  assert.equal("cacheFrom" in buildRequestOf(new URLSearchParams()), false);
  assert.throws(() => buildRequestOf(new URLSearchParams({ cachefrom: '{"a":1}' })), /invalid cachefrom parameter/);
  assert.throws(() => buildRequestOf(new URLSearchParams({ cachefrom: "[1]" })), /invalid cachefrom parameter/);
});
