import { test } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { Htpasswd, parseBasic } from "./htpasswd.js";

test("verifies bcrypt htpasswd entries ($2y$ as written by htpasswd -B)", async () => {
  const hash = bcrypt.hashSync("s3cret", 4).replace(/^\$2[ab]\$/, "$2y$");
  const h = new Htpasswd(`# users\nalice:${hash}\nbob:{SHA}plain\n\n`);
  assert.equal(h.size, 2);
  assert.equal(await h.verify("alice", "s3cret"), true);
  assert.equal(await h.verify("alice", "s3cret"), true); // cached
  assert.equal(await h.verify("alice", "wrong"), false);
  assert.equal(await h.verify("carol", "s3cret"), false);
  assert.equal(await h.verify("bob", "plain"), false); // only bcrypt
});

test("parses Basic credentials", () => {
  assert.deepEqual(parseBasic(`Basic ${Buffer.from("u:p:q").toString("base64")}`), { user: "u", password: "p:q" });
  assert.equal(parseBasic("Bearer x"), undefined);
  assert.equal(parseBasic(`Basic ${Buffer.from("nocolon").toString("base64")}`), undefined);
  assert.equal(parseBasic(undefined), undefined);
});
