/**
 * Records the corpus's expectations from Docker itself (run by hand, never by the suite):
 *
 *   dockerd --data-root /tmp/corpus-docker/data --exec-root /tmp/corpus-docker/exec \
 *     -H unix:///tmp/corpus-docker/d.sock --bridge=none --iptables=false --ip-masq=false &
 *   DOCKER_HOST=unix:///tmp/corpus-docker/d.sock docker load -i busybox.tar   # make-busybox.js
 *   DOCKER_HOST=unix:///tmp/corpus-docker/d.sock node out/test/e2e/build-corpus/record.js [CASE…]
 *
 * Each case is built with BuildKit (DOCKER_BUILDKIT=1, --network=none: no bridge) and with the legacy
 * builder (DOCKER_BUILDKIT=0), both with Debian's docker 20.10 CLI (/usr/bin/docker, which has BuildKit
 * built in). BuildKit's results become `expected`; `legacy` says "same" or lists the fields where the
 * legacy builder differs (or its error). A case BuildKit 20.10 cannot build (e.g. heredocs, which its
 * built-in frontend lacks) keeps its hand-written `expected`, and `source` says why. Busybox must be
 * loaded first; nothing is pulled (no `# syntax=` lines, no --pull).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { run } from "../../helpers/run.js";
import { listCases, runCase, type CaseResult, type Cli } from "./corpus.js";

const DOCKER = process.env["CORPUS_DOCKER_CLI"] ?? "/usr/bin/docker";
if (!process.env["DOCKER_HOST"]) throw new Error("set DOCKER_HOST to the recording dockerd's socket");
const cli: Cli = (args) => run(DOCKER, args, { timeoutMs: 300_000 });
const tmp = mkdtempSync("/tmp/corpus-record-");
const only = process.argv.slice(2);

function diff(a: CaseResult, b: CaseResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b.config)) if (JSON.stringify(v) !== JSON.stringify(a.config[k])) out[`config.${k}`] = v;
  for (const [k, v] of Object.entries(b.files)) if (JSON.stringify(v) !== JSON.stringify(a.files[k])) out[`files.${k}`] = v;
  if (a.cache && b.cache && b.cache.sameId !== a.cache.sameId) out["cache.sameId"] = b.cache.sameId;
  return out;
}

try {
  for (const c of listCases()) {
    if (only.length > 0 && !only.includes(c.name)) continue;
    const tag = `corpus-${c.name}`;
    const bk = await runCase(c, (args, ctx) => run(DOCKER, ["build", "--network=none", ...args, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" }, timeoutMs: 300_000 }), cli, tmp, `${tag}:buildkit`, ["--no-cache"]);
    const lg = await runCase(c, (args, ctx) => run(DOCKER, ["build", ...args, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 }), cli, tmp, `${tag}:legacy`, ["--no-cache"]);
    const spec = c.spec;
    if (bk.ok) {
      spec.expected = bk.result;
      spec.source = "buildkit";
      // the cache step count is the legacy output's (BuildKit prints CACHED, berth prints docker's legacy lines)
      if (bk.result.cache && lg.ok && lg.result.cache) bk.result.cache.usingCache = lg.result.cache.usingCache;
    } else {
      spec.source = `hand: BuildKit 20.10 failed: ${bk.error.split("\n").slice(-3).join(" ").slice(0, 300)}`;
    }
    if (!lg.ok) spec.legacy = `fails: ${lg.error.split("\n").slice(-2).join(" ").slice(0, 300)}`;
    else if (spec.expected) {
      const d = diff(spec.expected, lg.result);
      spec.legacy = Object.keys(d).length === 0 ? "same" : d;
    } else spec.legacy = { recorded: lg.result };
    writeFileSync(path.join(c.dir, "expected.json"), JSON.stringify(spec, null, 2) + "\n");
    process.stdout.write(`${c.name}: buildkit ${bk.ok ? "ok" : "FAILED"}, legacy ${typeof spec.legacy === "string" ? spec.legacy.slice(0, 60) : "differs"}\n`);
    await cli(["rmi", "-f", `${tag}:buildkit`, `${tag}:legacy`]);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
