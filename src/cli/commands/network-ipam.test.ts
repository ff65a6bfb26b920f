import { test } from "node:test";
import assert from "node:assert/strict";
import { createIpamConfig, parseCidr, splitSlice, subnetMatches } from "./network-ipam.js";

const base = { driver: "default", subnets: [] as string[], ipRanges: [] as string[], gateways: [] as string[], auxAddresses: {}, driverOpts: {} };

test("subnet, range and gateway pair into one pool", () => {
  const r = createIpamConfig({ ...base, subnets: ["10.1.0.0/24"], ipRanges: ["10.1.0.128/25"], gateways: ["10.1.0.254"] });
  assert.deepEqual(r, { Driver: "default", Options: {}, Config: [{ Subnet: "10.1.0.0/24", IPRange: "10.1.0.128/25", Gateway: "10.1.0.254", AuxiliaryAddresses: {} }] });
  assert.deepEqual(createIpamConfig(base).Config, []);
});

test("docker's client-side IPAM errors", () => {
  assert.throws(() => createIpamConfig({ ...base, gateways: ["10.0.0.1"] }), /^Error: every ip-range or gateway must have a corresponding subnet$/);
  assert.throws(() => createIpamConfig({ ...base, subnets: ["10.300.0.0/16"], gateways: ["10.0.0.1"] }), /^Error: invalid subnet: invalid CIDR address: 10.300.0.0\/16$/);
  assert.throws(() => createIpamConfig({ ...base, subnets: ["10.1.0.0/24"], gateways: ["10.2.0.1"] }), /^Error: no matching subnet for gateway 10.2.0.1$/);
  assert.throws(() => createIpamConfig({ ...base, subnets: ["10.1.0.0/24"], ipRanges: ["10.9.0.0/25"] }), /^Error: no matching subnet for range 10.9.0.0\/25$/);
  assert.throws(() => createIpamConfig({ ...base, subnets: ["10.1.0.0/16", "10.1.2.0/24"] }), /multiple overlapping subnet configuration is not supported/);
});

test("cidr parsing and matching, v4 and v6", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), { ip: "10.0.0.0", bits: 8, family: "ipv4" });
  assert.throws(() => parseCidr("10.0.0.0/33"), /invalid CIDR address: 10.0.0.0\/33/);
  assert.throws(() => parseCidr("10.0.0.0"), /invalid CIDR address/);
  assert.equal(subnetMatches("10.1.0.0/16", "10.1.200.3"), true);
  assert.equal(subnetMatches("10.1.0.0/16", "10.2.0.3"), false);
  assert.equal(subnetMatches("fd00::/64", "fd00::5"), true);
  assert.equal(subnetMatches("fd00::/64", "10.0.0.1"), false);
  assert.deepEqual(splitSlice(["a,b", "c"]), ["a", "b", "c"]);
});
