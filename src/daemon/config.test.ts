import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { registryPolicy } from "./allowed-registries.js";
import { parseArgs } from "./config.js";
import { acquireDataRootLock } from "./lock.js";

test("flags: both forms, repeatable, config file merged under flags, unknown flag fails", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-cfg-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "daemon.json");
  writeFileSync(file, JSON.stringify({ "data-root": "/from/file", "exec-root": "/x", "allowed-registries": ["reg.local"], "log-level": "warn" }));
  const r = parseArgs(["--config-file", file, "--data-root=/d", "-H", "unix:///s.sock", "--allowed-registry", "127.0.0.0/8", "--storage-driver=native"]);
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.equal(r.config.dataRoot, "/d");
  assert.equal(r.config.execRoot, "/x");
  assert.deepEqual(r.config.hosts, ["unix:///s.sock"]);
  assert.deepEqual(r.config.allowedRegistries, ["reg.local", "127.0.0.0/8"]);
  assert.equal(r.config.logLevel, "warn");
  assert.equal(r.config.storageDriver, "native");
  assert.throws(() => parseArgs(["--bogus"]), /unknown flag: --bogus/);
  assert.throws(() => parseArgs(["--config-file", file, "--runtime", "kata"]), /unknown runtime/);
  assert.throws(() => parseArgs(["--config-file", path.join(dir, "missing.json")]), /no such file/);
  assert.deepEqual(parseArgs(["--help"]), { kind: "help" });
});

test("registry policy: CIDRs match IPs, names match names, never resolved", () => {
  const allow = registryPolicy(["127.0.0.0/8", "reg.local:5000"]);
  assert.equal(allow("127.0.0.1:5000"), true);
  assert.equal(allow("localhost:5000"), true);
  assert.equal(allow("docker.io"), false);
  assert.equal(allow("10.0.0.1"), false);
  assert.equal(allow("reg.local:5000"), true);
  assert.equal(registryPolicy([])("docker.io"), true);
});

test("data-root lock: second taker refused with the pid, stale lock taken over", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-lock-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "berthd.lock"), "1\n"); // pid 1 is alive: refuse
  assert.throws(() => acquireDataRootLock(dir), /another berthd \(pid 1\)/);
  writeFileSync(path.join(dir, "berthd.lock"), "999999999\n"); // no such pid: stale
  const lock = acquireDataRootLock(dir);
  lock.release();
});
