// Builds berth: tsc type-checks and compiles everything (src, test, bench) to out/ for the test runner;
// esbuild bundles the two programs to dist/ (the CLI with one lazily loaded chunk per command, so
// `berth version` loads only what it needs). Native modules stay external.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, rmSync } from "node:fs";

const skipTsc = process.argv.includes("--no-tsc");
if (!skipTsc) execFileSync("node_modules/.bin/tsc", ["-p", "."], { stdio: "inherit" });

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { berth: "src/bin/berth.ts", berthd: "src/bin/berthd.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  external: ["better-sqlite3", "node-unix-socket", "*.node"],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
chmodSync("dist/berth.js", 0o755);
chmodSync("dist/berthd.js", 0o755);
