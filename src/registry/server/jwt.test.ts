import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { keysFromPem, verifyToken, type TokenPolicy } from "./jwt.js";

function jwt(alg: string, claims: object, key: KeyObject): string {
  const h = Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url");
  const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const ec = alg.startsWith("ES");
  const sig = sign("sha256", Buffer.from(`${h}.${p}`), ec ? { key, dsaEncoding: "ieee-p1363" } : key);
  return `${h}.${p}.${sig.toString("base64url")}`;
}

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const now = Math.floor(Date.now() / 1000);
const good = { iss: "iss", aud: "svc", sub: "alice", exp: now + 300, nbf: now - 5, access: [{ type: "repository", name: "a", actions: ["pull"] }] };

function policy(...keys: KeyObject[]): TokenPolicy {
  return { issuer: "iss", service: "svc", keys, leeway: 0 };
}

test("verifies RS256 and ES256 tokens", () => {
  const pem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
  const keys = keysFromPem(pem);
  assert.equal(verifyToken(jwt("RS256", good, rsa.privateKey), policy(...keys)).sub, "alice");
  assert.deepEqual(verifyToken(jwt("ES256", good, ec.privateKey), policy(ec.publicKey)).access, good.access);
  assert.equal(verifyToken(jwt("RS256", { ...good, aud: ["x", "svc"] }, rsa.privateKey), policy(rsa.publicKey)).sub, "alice");
});

test("refuses bad signatures, issuers, audiences, times and algorithms", () => {
  const p = policy(rsa.publicKey);
  assert.throws(() => verifyToken(jwt("RS256", good, other.privateKey), p), /signature/);
  assert.throws(() => verifyToken(jwt("RS256", { ...good, iss: "x" }, rsa.privateKey), p), /issuer/);
  assert.throws(() => verifyToken(jwt("RS256", { ...good, aud: "x" }, rsa.privateKey), p), /audience/);
  assert.throws(() => verifyToken(jwt("RS256", { ...good, exp: now - 10 }, rsa.privateKey), p), /expired/);
  assert.throws(() => verifyToken(jwt("RS256", { ...good, nbf: now + 100 }, rsa.privateKey), p), /not yet valid/);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(good)).toString("base64url")}.`;
  assert.throws(() => verifyToken(none, p), /algorithm/);
  assert.throws(() => verifyToken("a.b", p), /malformed/);
  assert.throws(() => verifyToken("!!.??.xx", p), /malformed/);
  // an EC key never verifies an RS256 token and vice versa
  assert.throws(() => verifyToken(jwt("ES256", good, ec.privateKey), p), /signature/);
});
