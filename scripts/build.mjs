// Builds berth: tsc type-checks and compiles everything (src, test, bench) to out/ for the test runner;
// esbuild bundles the two programs to dist/. The CLI is one CommonJS file (dist/berth.cjs): Node starts
// CommonJS faster than ES modules, and each command's code is wrapped so that only the command that runs
// is evaluated (docs/adr/0004-cli-bundle.md). The daemon is ESM with lazily loaded chunks. Native modules
// stay external.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, rmSync } from "node:fs";

const skipTsc = process.argv.includes("--no-tsc");
if (!skipTsc) execFileSync("node_modules/.bin/tsc", ["-p", "."], { stdio: "inherit" });

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  external: ["better-sqlite3", "node-unix-socket", "*.node"],
  logLevel: "warning",
};

rmSync("dist", { recursive: true, force: true });
/** A CommonJS bundle in dist/ whose import.meta.url is its own file's URL. */
const cjs = (entryPoints, extra = {}) =>
  build({
    ...common,
    entryPoints,
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    define: { "import.meta.url": "__berthBundleUrl" },
    banner: { js: "const __berthBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    ...extra,
  });

await Promise.all([
  // the bundle; dist/berth.cjs is scripts/cli-loader.cjs, which runs it through a V8 code cache.
  // `berth registry` loads dist/berth-registry.cjs (below) instead, so other commands never parse it
  cjs({ "berth-main": "src/bin/berth.ts" }, { external: [...common.external, "../registry/server/main.js"] }),
  // `berth version` alone (src/bin/berth-lite.ts), which the launcher tries before the full bundle
  cjs({ "berth-lite": "src/bin/berth-lite.ts" }),
  cjs({ "berth-registry": "src/registry/server/main.ts" }),
  build({
    ...common,
    entryPoints: { berthd: "src/bin/berthd.ts" },
    outdir: "dist",
    splitting: true,
    format: "esm",
    chunkNames: "chunks/[name]-[hash]",
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
    },
  }),
]);
copyFileSync("scripts/cli-loader.cjs", "dist/berth.cjs");
chmodSync("dist/berth.cjs", 0o755);
chmodSync("dist/berthd.js", 0o755);
