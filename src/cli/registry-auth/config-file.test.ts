import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configDir, loadConfigFile, saveConfigFile, serializeConfig } from "./config-file.js";
import { eraseAuthConfig, getAuthConfig, storeAuthConfig } from "./credential-store.js";

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), "berth-cfg-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test("configDir: --config, then $DOCKER_CONFIG, then ~/.docker", () => {
  assert.equal(configDir("/x", { DOCKER_CONFIG: "/y", HOME: "/h" }), "/x");
  assert.equal(configDir(undefined, { DOCKER_CONFIG: "/y", HOME: "/h" }), "/y");
  assert.equal(configDir(undefined, { HOME: "/h" }), "/h/.docker");
});

test("a missing file reads as empty; auths are decoded; unknown keys survive a save", (t) => {
  const d = tmp(t);
  const empty = loadConfigFile(d);
  assert.equal(empty.auths.size, 0);
  writeFileSync(
    join(d, "config.json"),
    JSON.stringify({ psFormat: "table {{.ID}}", auths: { "localhost:5000": { auth: Buffer.from("a:b").toString("base64"), email: "e@x" }, "https://index.docker.io/v1/": { identitytoken: "T" } }, futureKey: { n: 1 }, credHelpers: { "r:1": "test" } }),
    { mode: 0o644 },
  );
  const cfg = loadConfigFile(d);
  assert.deepEqual(cfg.auths.get("localhost:5000"), { username: "a", password: "b", email: "e@x", serveraddress: "localhost:5000" });
  assert.deepEqual(cfg.auths.get("https://index.docker.io/v1/"), { identitytoken: "T", serveraddress: "https://index.docker.io/v1/" });
  assert.deepEqual(cfg.credHelpers, { "r:1": "test" });
  saveConfigFile(cfg);
  const back = JSON.parse(readFileSync(join(d, "config.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(back, {
    auths: { "https://index.docker.io/v1/": { identitytoken: "T" }, "localhost:5000": { auth: Buffer.from("a:b").toString("base64"), email: "e@x" } },
    psFormat: "table {{.ID}}",
    futureKey: { n: 1 },
    credHelpers: { "r:1": "test" },
  });
  assert.equal(Object.keys(back)[0], "auths");
  assert.equal(statSync(join(d, "config.json")).mode & 0o777, 0o644, "an existing file keeps its mode");
  assert.match(serializeConfig(cfg), /^\{\n\t"auths": \{\n\t\t"https/);
});

test("save is atomic: new file 0600, no temp left, written through a symlink", (t) => {
  const d = tmp(t);
  const cfg = loadConfigFile(join(d, "new"));
  cfg.auths.set("h:1", { username: "u", password: "p", serveraddress: "h:1" });
  saveConfigFile(cfg);
  assert.equal(statSync(join(d, "new", "config.json")).mode & 0o777, 0o600);
  assert.equal(statSync(join(d, "new")).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(join(d, "new")), ["config.json"]);
  // a symlinked config.json: the target is replaced, the link stays
  writeFileSync(join(d, "real.json"), "{}");
  chmodSync(join(d, "real.json"), 0o640);
  const ldir = join(d, "ldir");
  saveConfigFile({ ...loadConfigFile(ldir) }); // creates ldir/config.json
  rmSync(join(ldir, "config.json"));
  symlinkSync(join(d, "real.json"), join(ldir, "config.json"));
  const c2 = loadConfigFile(ldir);
  c2.auths.set("x:1", { username: "x", password: "y", serveraddress: "x:1" });
  saveConfigFile(c2);
  assert.ok(statSync(join(ldir, "config.json")).isFile());
  assert.match(readFileSync(join(d, "real.json"), "utf8"), /"x:1"/);
  assert.equal(statSync(join(d, "real.json")).mode & 0o777, 0o640);
});

test("a broken file is an error with docker's wording", (t) => {
  const d = tmp(t);
  writeFileSync(join(d, "config.json"), "{nope");
  assert.throws(() => loadConfigFile(d), /^Error: parsing config file \(.*config\.json\): /);
});

test("file store: store writes once and warns, get falls back to legacy keys, erase removes", (t) => {
  const d = tmp(t);
  const cfg = loadConfigFile(d);
  const warnings: string[] = [];
  storeAuthConfig(cfg, { username: "u", password: "p", serveraddress: "h:1" }, (w) => warnings.push(w));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /WARNING! Your credentials are stored unencrypted in '.*config\.json'\./);
  const before = statSync(join(d, "config.json")).mtimeMs;
  storeAuthConfig(cfg, { username: "u", password: "p", serveraddress: "h:1" }, (w) => warnings.push(w));
  assert.equal(warnings.length, 1, "unchanged credentials are not rewritten");
  assert.equal(statSync(join(d, "config.json")).mtimeMs, before);
  assert.deepEqual(getAuthConfig(loadConfigFile(d), "h:1"), { username: "u", password: "p", serveraddress: "h:1" });
  cfg.auths.set("https://legacy:2/v1/", { username: "l", password: "q", serveraddress: "https://legacy:2/v1/" });
  assert.equal(getAuthConfig(cfg, "legacy:2").username, "l");
  assert.deepEqual(getAuthConfig(cfg, "none:3"), {});
  eraseAuthConfig(cfg, "h:1");
  assert.equal(loadConfigFile(d).auths.has("h:1"), false);
});
