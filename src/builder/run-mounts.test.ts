import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parseDockerfile } from "../dockerfile/index.js";
import type { RunInstruction } from "../dockerfile/index.js";
import { missingPaths, parseRunMounts, removeStubs, runMountStageRefs } from "./run-mounts.js";
import { currentBuildSecrets, decodeBuildSecrets, encodeBuildSecrets, withBuildSecrets } from "../util/build-secrets.js";

function run(line: string): RunInstruction {
  const c = parseDockerfile(`FROM busybox\n${line}\n`).stages[0]?.commands[0];
  assert.ok(c && c.kind === "RUN");
  return c;
}

test("parseRunMounts: types, defaults, expansion of values", () => {
  const ms = parseRunMounts(
    run("RUN --mount=type=cache,target=/root/.cache,sharing=locked,uid=1,mode=0700 --mount=target=/src,source=$DIR --mount=type=tmpfs,target=/t,size=1m --mount=type=secret,id=tok true"),
    new Map([["DIR", "app"]]),
    "\\",
  );
  assert.equal(ms.length, 4);
  assert.deepEqual([ms[0]?.type, ms[0]?.target, ms[0]?.sharing, ms[0]?.uid, ms[0]?.mode, ms[0]?.readOnly], ["cache", "/root/.cache", "locked", 1, 0o700, false]);
  assert.deepEqual([ms[1]?.type, ms[1]?.source, ms[1]?.readOnly], ["bind", "app", true]);
  assert.deepEqual([ms[2]?.type, ms[2]?.sizeLimit], ["tmpfs", 1024 * 1024]);
  assert.deepEqual([ms[3]?.type, ms[3]?.id, ms[3]?.required], ["secret", "tok", false]);
});

test("parseRunMounts: errors name the line; ssh refused; a target is needed", () => {
  assert.throws(() => parseRunMounts(run("RUN --mount=type=cache,target=/x,colour=blue true"), new Map(), "\\"), /^.*line 2: RUN --mount=type=cache,target=\/x,colour=blue true: --mount: unexpected key 'colour'/);
  assert.throws(() => parseRunMounts(run("RUN --mount=type=ssh true"), new Map(), "\\"), /line 2: RUN --mount=type=ssh is not supported/);
  assert.throws(() => parseRunMounts(run("RUN --mount=type=cache true"), new Map(), "\\"), /line 2: .*needs a target/);
  assert.throws(() => parseRunMounts(run("RUN --mount=type=bind,target=/x,size=1m true"), new Map(), "\\"), /unexpected key 'size'/);
  assert.throws(() => parseRunMounts(run("RUN --mount=type=tmpfs,target=/x,sharing=private true"), new Map(), "\\"), /invalid cache sharing/);
  assert.throws(() => parseRunMounts(run("RUN --mount=type=tmpfs,target=/x,from=a true"), new Map(), "\\"), /from is not allowed/);
});

test("runMountStageRefs: the from= of each mount", () => {
  assert.deepEqual(runMountStageRefs(run("RUN --mount=type=bind,from=tools,target=/t --mount=type=cache,target=/c,from=1 true")), ["tools", "1"]);
  assert.deepEqual(runMountStageRefs(run("RUN true")), []);
});

test("missingPaths/removeStubs: only the empty mount points the runtime made go; existing ones stay", (t) => {
  const root = mkdtempSync(path.join(tmpdir(), "berth-rm-stubs-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, "var/cache"), { recursive: true });
  symlinkSync("/var", path.join(root, "link"));
  const missing = missingPaths(root, ["/var/cache", "/run/secrets/tok", "/var/cache/apt", "/link/new"]);
  assert.deepEqual(missing, ["/run", "/run/secrets", "/run/secrets/tok", "/var/cache/apt", "/link/new"]);
  // the runtime makes the mount points; the step wrote a file next to one of them
  mkdirSync(path.join(root, "run/secrets"), { recursive: true });
  writeFileSync(path.join(root, "run/secrets/tok"), "");
  mkdirSync(path.join(root, "var/cache/apt"));
  mkdirSync(path.join(root, "var/new"));
  writeFileSync(path.join(root, "var/cache/apt/kept"), "x");
  removeStubs(root, missing);
  assert.equal(existsSync(path.join(root, "run")), false);
  assert.equal(existsSync(path.join(root, "var/cache/apt/kept")), true);
  assert.equal(existsSync(path.join(root, "var/new")), false);
  assert.equal(existsSync(path.join(root, "var/cache")), true);
});

test("build secrets: header round trip, malformed refused, scoped to the build's async context", async () => {
  const m = new Map([["a", Buffer.from([0, 1, 2, 255])], ["b", Buffer.from("text")]]);
  assert.deepEqual(decodeBuildSecrets(encodeBuildSecrets(m)), m);
  assert.equal(decodeBuildSecrets("!!!"), undefined);
  assert.equal(decodeBuildSecrets(Buffer.from('{"a":1}').toString("base64")), undefined);
  assert.equal(decodeBuildSecrets(Buffer.from("[]").toString("base64")), undefined);
  const seen = await withBuildSecrets(m, async () => {
    await new Promise((r) => setTimeout(r, 1));
    return currentBuildSecrets().get("b")?.toString();
  });
  assert.equal(seen, "text");
  assert.equal(currentBuildSecrets().size, 0);
});
