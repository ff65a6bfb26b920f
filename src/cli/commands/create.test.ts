import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePlatform } from "./create.js";

test("parsePlatform: containerd's forms and error wording", () => {
  assert.equal(parsePlatform("linux/amd64"), "linux/amd64");
  assert.equal(parsePlatform("linux/arm64/v8"), "linux/arm64/v8");
  assert.equal(parsePlatform("x86_64"), "linux/amd64");
  assert.equal(parsePlatform("linux"), "linux/amd64");
  assert.equal(parsePlatform("Linux/AARCH64"), "linux/arm64");
  assert.equal(parsePlatform("linux/whatever"), "linux/whatever");
  assert.throws(() => parsePlatform("bogus"), { message: 'error parsing specified platform: "bogus": unknown operating system or architecture: invalid argument' });
});
