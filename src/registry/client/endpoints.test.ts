import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { rootCertificates } from "node:tls";
import { apiHost, isInsecure, isLoopback } from "./endpoints.js";
import { proxyFor, proxyFromEnv } from "./proxy.js";
import { nextLink } from "./tags.js";
import { loadTlsMaterial } from "./tls.js";

test("docker.io is reached at registry-1.docker.io", () => {
  assert.equal(apiHost("docker.io"), "registry-1.docker.io");
  assert.equal(apiHost("localhost:5000"), "localhost:5000");
});

test("loopback and listed hosts/CIDRs are insecure", () => {
  for (const h of ["127.0.0.1:5000", "127.3.4.5", "localhost:5000", "[::1]:5000", "::1"]) assert.ok(isLoopback(h), h);
  assert.ok(!isLoopback("10.0.0.1:5000"));
  assert.ok(isInsecure("10.1.2.3:5000", ["10.0.0.0/8"]));
  assert.ok(!isInsecure("11.1.2.3:5000", ["10.0.0.0/8"]));
  assert.ok(isInsecure("reg.local:5000", ["reg.local:5000"]));
  assert.ok(isInsecure("reg.local", ["reg.local"]));
  assert.ok(!isInsecure("reg.example.com", ["reg.local"]));
});

test("proxy selection honours the scheme and NO_PROXY", () => {
  const s = { http: "http://proxy:3128", https: "http://sproxy:3128", noProxy: "internal.example,.corp,10.0.0.0/8,reg:5000" };
  assert.equal(proxyFor(new URL("https://registry-1.docker.io/v2/"), s), "http://sproxy:3128");
  assert.equal(proxyFor(new URL("http://127.0.0.1:5000/v2/"), s), "http://proxy:3128");
  assert.equal(proxyFor(new URL("https://internal.example/v2/"), s), undefined);
  assert.equal(proxyFor(new URL("https://a.b.corp/v2/"), s), undefined);
  assert.equal(proxyFor(new URL("http://10.2.3.4/v2/"), s), undefined);
  assert.equal(proxyFor(new URL("http://reg:5000/v2/"), s), undefined);
  assert.equal(proxyFor(new URL("http://reg:5001/v2/"), s), "http://proxy:3128");
  assert.equal(proxyFor(new URL("http://x/"), { http: "http://p", noProxy: "*" }), undefined);
  assert.deepEqual(proxyFromEnv({ https_proxy: "http://p:1", no_proxy: "a" }), { https: "http://p:1", noProxy: "a" });
});

test("certs.d: *.crt are added to the system roots, *.cert + *.key form the client pair", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-certsd-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = path.join(dir, "reg.local:5000");
  mkdirSync(d);
  writeFileSync(path.join(d, "ca.crt"), "CA-PEM");
  writeFileSync(path.join(d, "client.cert"), "CERT-PEM");
  writeFileSync(path.join(d, "client.key"), "KEY-PEM");
  const m = loadTlsMaterial(["/nonexistent", dir], "reg.local:5000");
  assert.equal(m.ca?.length, rootCertificates.length + 1);
  assert.equal(m.ca?.[m.ca.length - 1], "CA-PEM");
  assert.equal(m.cert, "CERT-PEM");
  assert.equal(m.key, "KEY-PEM");
  assert.deepEqual(loadTlsMaterial([dir], "other:1"), {});
  writeFileSync(path.join(d, "lonely.cert"), "X");
  rmSync(path.join(d, "client.key"));
  assert.throws(() => loadTlsMaterial([dir], "reg.local:5000"), /missing key/);
});

test("Link headers give the next page", () => {
  assert.equal(nextLink('</v2/r/tags/list?n=2&last=b>; rel="next"'), "/v2/r/tags/list?n=2&last=b");
  assert.equal(nextLink('<x>; rel="prev"'), undefined);
  assert.equal(nextLink(undefined), undefined);
});
