import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDockerfile } from "../dockerfile/index.js";
import { StateDb } from "../state/index.js";
import { BuildArgs, setEnv } from "./build-args.js";
import { BuildCache, cacheKeyOf } from "./build-cache.js";
import { neededStages } from "./builder.js";
import { StageOutputGate } from "./build-output.js";
import { beginStage, expansionEnv } from "./stage-runner.js";

function images(df: ReturnType<typeof parseDockerfile>): Map<number, string> {
  return new Map(df.stages.map((s) => [s.index, s.from.image] as const));
}

test("neededStages: only what the target needs, through FROM <stage> and COPY --from (name or index)", () => {
  const df = parseDockerfile(
    [
      "FROM busybox AS a",
      "FROM busybox AS b",
      "FROM a AS c",
      "COPY --from=1 /x /x",
      "FROM busybox AS unrelated",
      "FROM busybox",
      "COPY --from=C /y /y",
      "",
    ].join("\n"),
  );
  assert.deepEqual(neededStages(df, 4, images(df)), [0, 1, 2, 4]);
  assert.deepEqual(neededStages(df, 2, images(df)), [0, 1, 2]);
  assert.deepEqual(neededStages(df, 1, images(df)), [1]);
  assert.deepEqual(neededStages(df, 3, images(df)), [3]);
});

test("BuildArgs: given values, null values, unused list, proxy args", () => {
  const a = new BuildArgs({ A: "1", B: null, HTTP_PROXY: "http://p", UNUSED: "x" });
  assert.equal(a.valueOf("A"), "1");
  assert.equal(a.valueOf("B"), undefined);
  assert.equal(a.valueOf("C"), undefined);
  assert.deepEqual(a.proxyEnv(), [["HTTP_PROXY", "http://p"]]);
  assert.deepEqual(a.unused(), ["UNUSED"]);
});

test("setEnv replaces in place and appends new keys", () => {
  assert.deepEqual(setEnv(["A=1", "B=2"], "A", "3"), ["A=3", "B=2"]);
  assert.deepEqual(setEnv(["A=1"], "C", "x=y"), ["A=1", "C=x=y"]);
});

test("a stage gets a default PATH; ENV wins over ARG in expansion", () => {
  const st = beginStage(undefined, undefined, undefined);
  assert.ok(st.config.Env?.some((e) => e.startsWith("PATH=/usr/local/sbin")));
  st.args.set("X", "from-arg");
  st.args.set("Y", "arg-y");
  st.config.Env = [...(st.config.Env ?? []), "X=from-env"];
  const env = expansionEnv(st);
  assert.equal(env.get("X"), "from-env");
  assert.equal(env.get("Y"), "arg-y");
  const kept = beginStage("sha256:x", { Env: ["PATH=/only"] }, undefined);
  assert.deepEqual(kept.config.Env, ["PATH=/only"]);
});

test("BuildCache: hit only for the same parent and key while the image exists; prune empties it", () => {
  const state = StateDb.memory();
  const present = new Set(["sha256:img1", "sha256:img2"]);
  const c = new BuildCache(state, (id) => present.has(id));
  const k = cacheKeyOf({ cc: { Cmd: ["/bin/sh", "-c", "echo hi"] } });
  assert.notEqual(k, cacheKeyOf({ cc: { Cmd: ["/bin/sh", "-c", "echo ho"] } }));
  c.put("sha256:p", k, "sha256:img1", "RUN echo hi");
  assert.equal(c.get("sha256:p", k), "sha256:img1");
  assert.equal(c.get("sha256:other", k), undefined);
  c.put("", k, "sha256:img2");
  present.delete("sha256:img2");
  assert.equal(c.get("", k), undefined, "an entry whose image is gone is no hit");
  assert.equal(c.count(), 1);
  assert.equal(c.usage()[0]?.Description, "RUN echo hi");
  assert.equal(c.prune().length, 1);
  assert.equal(c.get("sha256:p", k), undefined);
  state.close();
});

test("StageOutputGate: stages running at once print in stage order", () => {
  const seen: string[] = [];
  const gate = new StageOutputGate(3, (m) => seen.push(m.stream ?? ""));
  const s0 = gate.sinkFor(0);
  const s1 = gate.sinkFor(1);
  const s2 = gate.sinkFor(2);
  s1({ stream: "b1" });
  s0({ stream: "a1" });
  s2({ stream: "c1" });
  gate.finish(1);
  assert.deepEqual(seen, ["a1"]);
  s0({ stream: "a2" });
  gate.finish(0);
  assert.deepEqual(seen, ["a1", "a2", "b1", "c1"]);
  s2({ stream: "c2" });
  assert.deepEqual(seen, ["a1", "a2", "b1", "c1", "c2"]);
  const g2 = new StageOutputGate(2, (m) => seen.push(m.stream ?? ""));
  g2.sinkFor(1)({ stream: "late" });
  g2.flushAll();
  assert.equal(seen.at(-1), "late");
});
