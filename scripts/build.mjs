// Builds berth: tsc type-checks and compiles everything (src, test, bench) to out/ for the test runner;
// esbuild bundles the two programs to dist/. The CLI is one CommonJS file (dist/berth.cjs): Node starts
// CommonJS faster than ES modules, and each command's code is wrapped so that only the command that runs
// is evaluated (docs/adr/0004-cli-bundle.md). The daemon is ESM with lazily loaded chunks. Native modules
// stay external.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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
    // better-sqlite3's JS is bundled (its addon stays a file; state-db.ts names it): loading the package
    // from node_modules resolved and compiled fourteen CommonJS files on every start
    external: ["node-unix-socket", "*.node"],
    entryPoints: { berthd: "src/bin/berthd.ts" },
    outdir: "dist",
    splitting: true,
    format: "esm",
    chunkNames: "chunks/[name]-[hash]",
    banner: {
      // `require` for bundled CommonJS code and native addons, made on first use: only the chunk that
      // holds esbuild's runtime calls it, and a createRequire per chunk cost path work at every start
      js: "#!/usr/bin/env node\nimport { createRequire as __berthCreateRequire } from 'node:module'; let __berthRequire; const require = Object.assign((id) => (__berthRequire ??= __berthCreateRequire(import.meta.url))(id), { resolve: (id, o) => (__berthRequire ??= __berthCreateRequire(import.meta.url)).resolve(id, o) });",
    },
  }),
]);
asciiOnly("dist");
copyFileSync("scripts/cli-loader.cjs", "dist/berth.cjs");
chmodSync("dist/berth.cjs", 0o755);
chmodSync("dist/berthd.js", 0o755);

/**
 * Rewrites every non-ASCII character left in the bundles (esbuild keeps them in comments and regular
 * expressions) as a \\u escape. V8 keeps a source that has even one such character as a two-byte string:
 * each loaded bundle would take twice its size in the heap for as long as the process runs. An escape
 * means the same character in a string, template, regular expression or identifier, and is plain text
 * in a comment. Columns after an escaped character on its line shift in the source map.
 */
function asciiOnly(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, e.name);
    if (e.isDirectory()) asciiOnly(file);
    else if (/\.c?js$/.test(e.name)) {
      const text = readFileSync(file, "utf8");
      if (/String\.raw`[^`]*[^\x00-\x7f]/.test(text)) throw new Error(`${file}: a String.raw template holds a non-ASCII character`);
      const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      if (ascii !== text) writeFileSync(file, ascii);
    }
  }
}
