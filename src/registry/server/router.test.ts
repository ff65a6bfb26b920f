import { test } from "node:test";
import assert from "node:assert/strict";
import { RegistryError } from "./errors.js";
import { isValidRepoName } from "./names.js";
import { methodsOf, route } from "./router.js";

test("routes the distribution endpoints", () => {
  assert.deepEqual(route("/v2/"), { kind: "base" });
  assert.deepEqual(route("/v2/_catalog"), { kind: "catalog" });
  assert.deepEqual(route("/v2/a/b/tags/list"), { kind: "tags", name: "a/b" });
  assert.deepEqual(route("/v2/a/manifests/latest"), { kind: "manifest", name: "a", reference: "latest" });
  assert.deepEqual(route("/v2/a/blobs/uploads/"), { kind: "upload-start", name: "a" });
  assert.deepEqual(route("/v2/a/blobs/uploads/u1"), { kind: "upload", name: "a", uuid: "u1" });
  assert.deepEqual(route("/v2/a/blobs/sha256:00"), { kind: "blob", name: "a", digest: "sha256:00" });
  assert.deepEqual(route("/v2/x/y/referrers/sha256:00"), { kind: "referrers", name: "x/y", digest: "sha256:00" });
  // a repository may itself be called "blobs" or "manifests"
  assert.deepEqual(route("/v2/blobs/manifests/t"), { kind: "manifest", name: "blobs", reference: "t" });
  assert.equal(route("/v1/x"), undefined);
  assert.equal(route("/v2/a/unknown"), undefined);
  assert.deepEqual(methodsOf({ kind: "blob", name: "a", digest: "d" }), ["GET", "HEAD", "DELETE"]);
});

test("refuses repository names outside the grammar with NAME_INVALID", () => {
  for (const bad of ["/v2/../manifests/x", "/v2/a/../b/manifests/x", "/v2/a//b/tags/list", "/v2/A/tags/list", "/v2/a./tags/list", "/v2/-a/blobs/uploads/"]) {
    assert.throws(() => route(bad), (e: unknown) => e instanceof RegistryError && e.code === "NAME_INVALID" && e.status === 400, bad);
  }
  assert.ok(isValidRepoName("library/busy_box.x-y__z"));
  assert.ok(!isValidRepoName("a..b"));
  assert.ok(!isValidRepoName("a".repeat(256)));
  assert.ok(!isValidRepoName(""));
});

test("error bodies are distribution's JSON", () => {
  const e = new RegistryError("BLOB_UNKNOWN", { digest: "sha256:1" });
  assert.equal(e.status, 404);
  assert.deepEqual(JSON.parse(e.body()), { errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: { digest: "sha256:1" } }] });
});
