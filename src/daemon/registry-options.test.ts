import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { defaultConfig, parseArgs } from "./config.js";
import { registryClientOptions } from "./daemon.js";

test("registry client options: allowed-registries, insecure, docker.io mirrors plus mirrors by host, certs.d, proxies", () => {
  const o = registryClientOptions(
    defaultConfig({
      allowedRegistries: ["127.0.0.0/8"],
      insecureRegistries: ["reg.local:5000"],
      registryMirrors: ["http://127.0.0.1:5001"],
      registryMirrorsByHost: { "reg.local:5000": ["http://127.0.0.1:5002"] },
    }),
    undefined,
    { HTTP_PROXY: "http://127.0.0.1:3128", NO_PROXY: "localhost" },
  );
  assert.equal(o.allowed?.("127.0.0.1:5000"), true);
  assert.equal(o.allowed?.("docker.io"), false);
  assert.deepEqual(o.insecureRegistries, ["reg.local:5000"]);
  assert.deepEqual(o.mirrors, { "docker.io": ["http://127.0.0.1:5001"], "reg.local:5000": ["http://127.0.0.1:5002"] });
  assert.deepEqual(o.certsDirs, ["/etc/berth/certs.d", "/etc/docker/certs.d"]);
  assert.deepEqual(o.proxy, { http: "http://127.0.0.1:3128", noProxy: "localhost" });
});

test("daemon.json registry-mirrors-by-host is read and checked", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-cfg-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "daemon.json");
  writeFileSync(file, JSON.stringify({ "registry-mirrors-by-host": { "a:5000": ["http://127.0.0.1:1"] } }));
  const r = parseArgs(["--config-file", file]);
  assert.equal(r.kind, "run");
  if (r.kind === "run") assert.deepEqual(r.config.registryMirrorsByHost, { "a:5000": ["http://127.0.0.1:1"] });
  writeFileSync(file, JSON.stringify({ "registry-mirrors-by-host": { "a:5000": "http://x" } }));
  assert.throws(() => parseArgs(["--config-file", file]), /registry-mirrors-by-host/);
});
