import { test } from "node:test";
import assert from "node:assert/strict";
import { contains, formatCidr, formatIp, macFor, overlaps, parseCidr, parseIp } from "./cidr.js";

test("parse and format", () => {
  assert.equal(formatCidr(parseCidr("172.17.5.9/16")), "172.17.0.0/16");
  assert.equal(parseIp("10.0.0.256"), undefined);
  assert.equal(formatIp(parseIp("192.168.1.2") ?? 0), "192.168.1.2");
  assert.throws(() => parseCidr("10.0.0.0/33"), /invalid CIDR address: 10.0.0.0\/33/);
  assert.throws(() => parseCidr("nonsense"), /invalid CIDR address/);
});

test("contains and overlaps", () => {
  const a = parseCidr("10.1.0.0/16");
  assert.ok(contains(a, parseIp("10.1.255.1") ?? 0));
  assert.ok(!contains(a, parseIp("10.2.0.1") ?? 0));
  assert.ok(overlaps(a, parseCidr("10.1.3.0/24")));
  assert.ok(overlaps(parseCidr("10.0.0.0/8"), a));
  assert.ok(!overlaps(a, parseCidr("10.2.0.0/16")));
  assert.equal(macFor(parseIp("172.17.0.2") ?? 0), "02:42:ac:11:00:02");
});
