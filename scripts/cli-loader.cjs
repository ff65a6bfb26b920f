#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS BERTH_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// berth's CLI entry (dist/berth.cjs): runs the bundle dist/berth-main.cjs through a V8 code cache kept
// next to it (dist/.berth-main.cjs.cache), so that a start skips most of the compiling. The cache is
// written after the first run (and again whenever V8 rejects it, e.g. after a rebuild); a failure to
// read or write it only costs that saving. A command line naming `version` first goes to the small
// dist/berth-lite.cjs (src/bin/berth-lite.ts), which hands back anything it does not handle itself.
//
// The first line starts node without NODE_EXTRA_CA_CERTS: with it set, node reads and parses every
// certificate in that file before running a line of JS (~50 ms with a system bundle, more than the
// rest of a `berth version`), and the CLI makes no TLS connection of its own. The value travels in
// BERTH_NODE_EXTRA_CA_CERTS and is put back here, so what the CLI starts (berthd above all, which
// does speak TLS to registries) sees the environment the user set.
"use strict";
const extraCa = process.env.BERTH_NODE_EXTRA_CA_CERTS;
if (extraCa !== undefined) {
  delete process.env.BERTH_NODE_EXTRA_CA_CERTS;
  if (extraCa !== "") process.env.NODE_EXTRA_CA_CERTS = extraCa;
}
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

/** Runs dist/<name>.cjs through its code cache; returns its exports. */
function runBundle(name) {
  const file = path.join(__dirname, `${name}.cjs`);
  const cacheFile = path.join(__dirname, `.${name}.cjs.cache`);
  const source = fs.readFileSync(file, "utf8");
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        // read-only install or a race with another run: the next start compiles again
      }
    });
  }
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(__dirname);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname);
  return mod.exports;
}

const argv = process.argv.slice(2);
if (argv.includes("version") && fs.existsSync(path.join(__dirname, "berth-lite.cjs"))) {
  const url = require("node:url").pathToFileURL(path.join(__dirname, "berth-lite.cjs")).href;
  runBundle("berth-lite")
    .liteMain(argv, url)
    .then(
      (code) => {
        if (code === undefined) runBundle("berth-main");
        else process.exitCode = code;
      },
      (e) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 1;
      },
    );
} else {
  runBundle("berth-main");
}
