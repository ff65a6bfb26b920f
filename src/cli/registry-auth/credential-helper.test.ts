import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helperErase, helperGet, helperList, helperStore } from "./credential-helper.js";
import { loadConfigFile } from "./config-file.js";
import { eraseAuthConfig, getAllCredentials, getAuthConfig, storeAuthConfig } from "./credential-store.js";

/** Puts a fake docker-credential-test (a JSON file as keychain, logging each call) first on PATH. */
function fakeHelper(t: { after(fn: () => void): void }): { dir: string; db: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "berth-credhelper-"));
  const db = join(dir, "db.json");
  const log = join(dir, "log");
  writeFileSync(db, "{}");
  writeFileSync(log, "");
  writeFileSync(
    join(dir, "docker-credential-test"),
    `#!/bin/sh
input=$(cat)
echo "$1 $input" >> ${log}
exec node -e '
const fs = require("fs"); const f = process.argv[1]; const db = JSON.parse(fs.readFileSync(f, "utf8"));
const [action, input] = [process.argv[2], process.argv[3]];
if (action === "store") { const c = JSON.parse(input); db[c.ServerURL] = c; fs.writeFileSync(f, JSON.stringify(db)); }
else if (action === "get") { const c = db[input]; if (!c) { console.log("credentials not found in native keychain"); process.exit(1); } process.stdout.write(JSON.stringify(c)); }
else if (action === "erase") { if (!db[input]) { console.log("boom"); process.exit(3); } delete db[input]; fs.writeFileSync(f, JSON.stringify(db)); }
else if (action === "list") { process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(db).map(([k, v]) => [k, v.Username])))); }
' ${db} "$1" "$input"
`,
  );
  chmodSync(join(dir, "docker-credential-test"), 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath ?? ""}`;
  t.after(() => {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, db, log };
}

test("helper protocol: store JSON on stdin, get/erase take the server URL", (t) => {
  const h = fakeHelper(t);
  assert.equal(helperGet("test", "r:1"), undefined, "credentials not found means none");
  helperStore("test", { ServerURL: "r:1", Username: "u", Secret: "s" });
  assert.equal(readFileSync(h.log, "utf8").split("\n")[1], 'store {"ServerURL":"r:1","Username":"u","Secret":"s"}');
  assert.deepEqual(helperGet("test", "r:1"), { ServerURL: "r:1", Username: "u", Secret: "s" });
  assert.deepEqual(helperList("test"), { "r:1": "u" });
  helperErase("test", "r:1");
  assert.throws(() => helperErase("test", "r:1"), { message: "error erasing credentials - err: exit status 3, out: `boom`" });
  assert.throws(() => helperGet("absent", "r:1"), { message: 'error getting credentials - err: exec: "docker-credential-absent": executable file not found in $PATH, out: ``' });
});

test("credHelpers and credsStore route a key to its helper; tokens use <token>", (t) => {
  const h = fakeHelper(t);
  const cfg = loadConfigFile(h.dir);
  cfg.credHelpers["r:1"] = "test";
  storeAuthConfig(cfg, { username: "u", password: "p", email: "e@x", serveraddress: "r:1" });
  assert.deepEqual(JSON.parse(readFileSync(h.db, "utf8")), { "r:1": { ServerURL: "r:1", Username: "u", Secret: "p" } });
  // the file keeps only the key (and e-mail), never the secret
  const file = JSON.parse(readFileSync(join(h.dir, "config.json"), "utf8")) as { auths: Record<string, unknown> };
  assert.deepEqual(file.auths, { "r:1": { email: "e@x" } });
  assert.deepEqual(getAuthConfig(cfg, "r:1"), { username: "u", password: "p", email: "e@x", serveraddress: "r:1" });
  assert.deepEqual(getAuthConfig(cfg, "other:2"), {}, "keys without a helper use the file");
  storeAuthConfig(cfg, { username: "u", identitytoken: "TOK", serveraddress: "r:1" });
  assert.equal((JSON.parse(readFileSync(h.db, "utf8")) as Record<string, { Username: string }>)["r:1"]?.Username, "<token>");
  assert.deepEqual(getAuthConfig(cfg, "r:1"), { identitytoken: "TOK", serveraddress: "r:1" }, "the second store had no e-mail");
  cfg.credsStore = "test";
  storeAuthConfig(cfg, { username: "v", password: "w", serveraddress: "s:2" });
  assert.deepEqual([...getAllCredentials(cfg).keys()].sort(), ["r:1", "s:2"]);
  eraseAuthConfig(cfg, "r:1");
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(h.db, "utf8")) as object), ["s:2"]);
  assert.equal(loadConfigFile(h.dir).auths.has("r:1"), false);
});
