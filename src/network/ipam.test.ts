import { test } from "node:test";
import assert from "node:assert/strict";
import { formatCidr, formatIp, parseCidr, parseIp } from "./cidr.js";
import { allocateIp, defaultPool, pickSubnet } from "./ipam.js";

test("pickSubnet skips subnets overlapping routes and networks", () => {
  const pool = defaultPool();
  assert.equal(formatCidr(pickSubnet(pool, [])), "172.17.0.0/16");
  assert.equal(formatCidr(pickSubnet(pool, [parseCidr("172.17.0.0/16"), parseCidr("172.18.5.0/24")])), "172.19.0.0/16");
  assert.equal(formatCidr(pickSubnet(pool, [parseCidr("172.16.0.0/12")])), "192.168.0.0/20");
  assert.throws(() => pickSubnet(pool, [parseCidr("0.0.0.0/0")]), /non-overlapping/);
});

test("allocateIp skips network, gateway, used and broadcast; honours the range", () => {
  const s = parseCidr("10.5.0.0/29");
  const gw = parseIp("10.5.0.1") ?? 0;
  assert.equal(formatIp(allocateIp(s, undefined, gw, new Set(), "n")), "10.5.0.2");
  const used = new Set([parseIp("10.5.0.2") ?? 0, parseIp("10.5.0.3") ?? 0]);
  assert.equal(formatIp(allocateIp(s, undefined, gw, used, "n")), "10.5.0.4");
  const all = new Set([2, 3, 4, 5, 6].map((x) => (parseIp("10.5.0.0") ?? 0) + x));
  assert.throws(() => allocateIp(s, undefined, gw, all, "n (x)"), /no available IPv4 addresses on this network's address pools: n \(x\)/);
  assert.equal(formatIp(allocateIp(parseCidr("10.6.0.0/16"), parseCidr("10.6.3.0/24"), parseIp("10.6.0.1") ?? 0, new Set(), "n")), "10.6.3.1");
});
