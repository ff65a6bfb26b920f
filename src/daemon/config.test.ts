import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { registryPolicy } from "./allowed-registries.js";
import { defaultConfig, parseArgs } from "./config.js";
import { acquireDataRootLock } from "./lock.js";

test("flags: both forms, repeatable, config file fills what flags leave, unknown flag fails", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-cfg-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "daemon.json");
  writeFileSync(file, JSON.stringify({ "exec-root": "/x", "allowed-registries": ["reg.local"], "log-level": "warn", "default-runtime": "crun" }));
  const r = parseArgs(["--config-file", file, "--data-root=/d", "-H", "unix:///s.sock", "--storage-driver=native", "--insecure-registry", "a:5000", "--insecure-registry=b:5000"]);
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.equal(r.config.dataRoot, "/d");
  assert.equal(r.config.execRoot, "/x");
  assert.deepEqual(r.config.hosts, ["unix:///s.sock"]);
  assert.deepEqual(r.config.allowedRegistries, ["reg.local"]);
  assert.deepEqual(r.config.insecureRegistries, ["a:5000", "b:5000"]);
  assert.equal(r.config.logLevel, "warn");
  assert.equal(r.config.runtime, "crun");
  assert.equal(r.config.storageDriver, "native");
  assert.throws(() => parseArgs(["--bogus"]), /unknown flag: --bogus/);
  assert.throws(() => parseArgs(["--data-root"]), /flag needs an argument: --data-root/);
  assert.throws(() => parseArgs(["extra"]), /takes no arguments/);
  const empty = path.join(dir, "empty.json");
  writeFileSync(empty, "{}");
  assert.throws(() => parseArgs(["--config-file", empty, "--runtime", "kata"]), /unknown runtime/);
  assert.throws(() => parseArgs(["--config-file", empty, "--log-level", "loud"]), /unable to parse logging level: loud/);
  assert.throws(() => parseArgs(["--config-file", empty, "--storage-driver", "aufs"]), /unknown storage driver/);
  assert.throws(() => parseArgs(["--config-file", path.join(dir, "missing.json")]), /no such file/);
  assert.deepEqual(parseArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parseArgs(["--config-file", file, "-v"]), { kind: "version" });
});

test("config file: a setting given both as flag and in the file is refused, as dockerd does", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-cfg-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "daemon.json");
  writeFileSync(file, JSON.stringify({ "data-root": "/from/file", "allowed-registries": ["reg.local"] }));
  assert.throws(
    () => parseArgs(["--config-file", file, "--data-root", "/d"]),
    /the following directives are specified both as a flag and in the configuration file: data-root: \(from flag: \/d, from file: \/from\/file\)/,
  );
  assert.throws(() => parseArgs(["--config-file", file, "--allowed-registry", "127.0.0.0/8"]), /allowed-registries: \(from flag: \[127\.0\.0\.0\/8\], from file: \[reg\.local\]\)/);
  writeFileSync(file, JSON.stringify({ "no-such-option": 1 }));
  assert.throws(() => parseArgs(["--config-file", file]), /don't match any configuration option: no-such-option/);
  writeFileSync(file, "{not json");
  assert.throws(() => parseArgs(["--config-file", file]), /unable to configure the daemon with file/);
  writeFileSync(file, JSON.stringify({ hosts: "unix:///x" }));
  assert.throws(() => parseArgs(["--config-file", file]), /hosts.*list of strings/);
});

test("defaultConfig: defaults plus overrides, no file read", () => {
  const c = defaultConfig({ dataRoot: "/tmp/x", allowedRegistries: ["127.0.0.0/8"] });
  assert.equal(c.dataRoot, "/tmp/x");
  assert.equal(c.execRoot, "/run/berth");
  assert.deepEqual(c.hosts, ["unix:///run/berth/berth.sock"]);
  assert.deepEqual(c.allowedRegistries, ["127.0.0.0/8"]);
});

test("registry policy: CIDRs match IPs, names match names, never resolved", () => {
  const allow = registryPolicy(["127.0.0.0/8", "reg.local:5000"]);
  assert.equal(allow("127.0.0.1:5000"), true);
  assert.equal(allow("localhost:5000"), true);
  assert.equal(allow("docker.io"), false);
  assert.equal(allow("10.0.0.1"), false);
  assert.equal(allow("reg.local:5000"), true);
  assert.equal(allow("reg.local:6000"), false);
  assert.equal(registryPolicy([])("docker.io"), true);
});

test("data-root lock: refused while the owner lives, taken over when stale or the pid is not a daemon", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-lock-"));
  const owner = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  t.after(() => {
    owner.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((r) => owner.once("spawn", r));
  const lockFile = path.join(dir, "berthd.lock");
  writeFileSync(lockFile, `${owner.pid ?? 0}\n`);
  assert.throws(() => acquireDataRootLock(dir), new RegExp(`berthd is already running on data root ${dir} \\(pid ${owner.pid ?? 0}\\)`));
  writeFileSync(lockFile, "999999999\n"); // no such pid: stale
  const lock = acquireDataRootLock(dir);
  assert.throws(() => acquireDataRootLock(dir), /this process/);
  lock.release();
  assert.equal(existsSync(lockFile), false);
  writeFileSync(lockFile, "1\n"); // alive, but not node/berthd: a reused pid
  acquireDataRootLock(dir).release();
});
