import { test } from "node:test";
import assert from "node:assert/strict";
import {
  familiarString,
  parseAnyReference,
  parseNormalizedNamed,
  parseNormalizedTagged,
  referenceString,
  validateTag,
} from "./reference.js";

const hex = "a".repeat(64);

test("normalises short names like docker", () => {
  assert.equal(referenceString(parseNormalizedTagged("busybox")), "docker.io/library/busybox:latest");
  assert.equal(referenceString(parseNormalizedTagged("a/b")), "docker.io/a/b:latest");
  assert.equal(referenceString(parseNormalizedTagged("index.docker.io/busybox:1")), "docker.io/library/busybox:1");
  assert.equal(referenceString(parseNormalizedTagged("localhost:5000/a/b:t")), "localhost:5000/a/b:t");
  assert.equal(referenceString(parseNormalizedTagged("localhost/x")), "localhost/x:latest");
  assert.equal(referenceString(parseNormalizedTagged("quay.io/x/y")), "quay.io/x/y:latest");
  const d = parseNormalizedTagged(`a/b@sha256:${hex}`);
  assert.equal(d.tag, undefined);
  assert.equal(d.digest, `sha256:${hex}`);
  const td = parseNormalizedNamed(`name:tag@sha256:${hex}`);
  assert.equal(referenceString(td), `docker.io/library/name:tag@sha256:${hex}`);
});

test("familiar form", () => {
  assert.equal(familiarString(parseNormalizedTagged("busybox")), "busybox:latest");
  assert.equal(familiarString(parseNormalizedTagged("docker.io/library/busybox:1.36")), "busybox:1.36");
  assert.equal(familiarString(parseNormalizedTagged("docker.io/library/a/b")), "library/a/b:latest");
  assert.equal(familiarString(parseNormalizedTagged("localhost:5000/x:y")), "localhost:5000/x:y");
  assert.equal(familiarString(parseNormalizedTagged("a/b:c")), "a/b:c");
});

test("validation uses docker's messages", () => {
  assert.throws(() => parseNormalizedNamed("Busybox"), {
    message: "invalid reference format: repository name (library/Busybox) must be lowercase",
  });
  assert.throws(() => parseNormalizedNamed("busy box"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed("a:b:c"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed(":x"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed(hex), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseNormalizedNamed("x:" + "a".repeat(129)), { message: "invalid reference format" });
  assert.doesNotThrow(() => parseNormalizedNamed("x:" + "a".repeat(128)));
  assert.doesNotThrow(() => validateTag("v1.0-rc_1"));
  assert.throws(() => validateTag(".bad"), /invalid tag format/);
  assert.throws(() => validateTag("-bad"));
  // Upper case in the domain is fine (it is a hostname).
  assert.equal(referenceString(parseNormalizedTagged("Example.com/a")), "Example.com/a:latest");
});

test("any reference: ids and digests", () => {
  assert.deepEqual(parseAnyReference(hex), { digest: `sha256:${hex}` });
  assert.deepEqual(parseAnyReference(`sha256:${hex}`), { digest: `sha256:${hex}` });
  assert.equal(parseAnyReference("abc").name, "docker.io/library/abc");
});
