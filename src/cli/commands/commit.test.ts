import { test } from "node:test";
import assert from "node:assert/strict";
import { commitQuery } from "./commit.js";

test("commitQuery splits the reference like docker's client", () => {
  const q = new Map(commitQuery("c1", "foo", { pause: true, change: [] }));
  assert.equal(q.get("container"), "c1");
  assert.equal(q.get("repo"), "docker.io/library/foo");
  assert.equal(q.get("tag"), "latest");
  assert.equal(q.has("pause"), false);
  const q2 = commitQuery("c1", "localhost:5000/a/b:v2", { pause: false, change: ["ENV A=1", "CMD [\"sh\"]"], message: "m", author: "me" });
  assert.deepEqual(q2, [
    ["container", "c1"], ["repo", "localhost:5000/a/b"], ["tag", "v2"], ["comment", "m"], ["author", "me"],
    ["changes", "ENV A=1"], ["changes", "CMD [\"sh\"]"], ["pause", "0"],
  ]);
  assert.deepEqual(new Map(commitQuery("c1", "", { pause: true })).get("repo"), "");
});

test("commitQuery rejects bad and digest references with docker's text", () => {
  assert.throws(() => commitQuery("c", "Foo", {}), { message: "invalid reference format: repository name (library/Foo) must be lowercase" });
  assert.throws(() => commitQuery("c", `foo@sha256:${"a".repeat(64)}`, {}), { message: "refusing to create a tag with a digest reference" });
});
