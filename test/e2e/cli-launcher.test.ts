/**
 * dist/berth.cjs run as a command (how `berth` on PATH runs): its first line starts node without
 * NODE_EXTRA_CA_CERTS, so node does not parse that bundle before the CLI runs, and the CLI puts the
 * value back for whatever it starts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { run } from "../helpers/run.js";

const CLI = join(process.cwd(), "dist/berth.cjs");

test("the berth command starts node without NODE_EXTRA_CA_CERTS and restores it for children", async (t) => {
  const dir = mkdtempSync("/tmp/berth-launcher-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, "no-such-bundle.pem");
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: missing, BERTH_NO_AUTOSTART: "1", BERTH_HOST: `unix://${join(dir, "none.sock")}` };

  // node itself warns when it cannot load the file, before any script runs
  const bare = await run(process.execPath, ["-e", "0"], { env });
  assert.match(bare.stderr, /extra certs/i, "node reads NODE_EXTRA_CA_CERTS at start-up");

  const hook = join(dir, "hook.cjs");
  const seen = join(dir, "seen.json");
  writeFileSync(hook, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ extra: process.env.NODE_EXTRA_CA_CERTS ?? null, moved: process.env.BERTH_NODE_EXTRA_CA_CERTS ?? null })));\n`);
  const r = await run(CLI, ["version", "--format", "{{.Client.Version}}"], { env: { ...env, NODE_OPTIONS: `--require ${hook}` } });
  assert.doesNotMatch(r.stderr, /extra certs/i, "the CLI's node did not load it");
  assert.match(r.stdout, /^\d+\.\d+\.\d+/m, r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(seen, "utf8")), { extra: missing, moved: null }, "restored for children, helper variable gone");

  // unset stays unset
  const env2: NodeJS.ProcessEnv = { ...env, NODE_OPTIONS: `--require ${hook}` };
  delete env2["NODE_EXTRA_CA_CERTS"];
  await run(CLI, ["version", "--format", "{{.Client.Version}}"], { env: env2 });
  assert.deepEqual(JSON.parse(readFileSync(seen, "utf8")), { extra: null, moved: null });
});
