#!/usr/bin/env node
// berth's CLI entry (dist/berth.cjs): runs the bundle dist/berth-main.cjs through a V8 code cache kept
// next to it (dist/.berth-main.cjs.cache), so that a start skips most of the compiling. The cache is
// written after the first run (and again whenever V8 rejects it, e.g. after a rebuild); a failure to
// read or write it only costs that saving.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const file = path.join(__dirname, "berth-main.cjs");
const cacheFile = path.join(__dirname, ".berth-main.cjs.cache");
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
