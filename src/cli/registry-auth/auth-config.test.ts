import { test } from "node:test";
import assert from "node:assert/strict";
import { authConfigJSON, decodeAuth, decodeAuthConfig, encodeAuth, encodeAuthConfig } from "./auth-config.js";
import { authConfigKey, convertToHostname, INDEX_SERVER } from "./server-address.js";

test("X-Registry-Auth is base64url of Go-ordered JSON without empty fields", () => {
  assert.equal(encodeAuthConfig({}), "e30=");
  const a = { serveraddress: "localhost:5000", password: "p?>>", username: "u", email: "" };
  assert.equal(authConfigJSON(a), '{"username":"u","password":"p?\\u003e\\u003e","serveraddress":"localhost:5000"}');
  const h = encodeAuthConfig(a);
  assert.doesNotMatch(h, /[+/]/);
  assert.equal(Buffer.from(h, "base64url").toString(), authConfigJSON(a));
  assert.deepEqual(decodeAuthConfig(h), { username: "u", password: "p?>>", serveraddress: "localhost:5000" });
  assert.deepEqual(decodeAuthConfig(""), {});
});

test("config.json auth field: base64 user:password", () => {
  assert.equal(encodeAuth("alice", "s:ecret"), Buffer.from("alice:s:ecret").toString("base64"));
  assert.equal(encodeAuth("", ""), "");
  assert.deepEqual(decodeAuth(Buffer.from("alice:s:ecret").toString("base64")), { username: "alice", password: "s:ecret" });
  assert.throws(() => decodeAuth(Buffer.from("nocolon").toString("base64")), /Invalid auth configuration file/);
  assert.throws(() => decodeAuth(Buffer.from(":p").toString("base64")), /Invalid auth configuration file/);
  assert.throws(() => decodeAuth("!!!"), /illegal base64/);
});

test("registry keys are normalised as docker's", () => {
  assert.equal(authConfigKey("docker.io"), INDEX_SERVER);
  assert.equal(authConfigKey("index.docker.io"), INDEX_SERVER);
  assert.equal(authConfigKey("localhost:5000"), "localhost:5000");
  assert.equal(convertToHostname("https://localhost:5000/v2/"), "localhost:5000");
  assert.equal(convertToHostname("http://reg.example"), "reg.example");
  assert.equal(convertToHostname("https://reg.example:443/v1/"), "reg.example:443");
  assert.equal(convertToHostname("localhost:5000/some/path"), "localhost:5000");
  assert.equal(convertToHostname("reg.example"), "reg.example");
  assert.equal(convertToHostname("https://[::1]:5000/v2/"), "[::1]:5000");
  assert.equal(convertToHostname("https://[::1]/"), "::1");
});
