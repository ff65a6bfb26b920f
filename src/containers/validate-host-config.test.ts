import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errdefs/index.js";
import { parseSize, validateHostConfig } from "./validate-host-config.js";

function rejects(hc: Parameters<typeof validateHostConfig>[0], msg: RegExp): void {
  assert.throws(() => validateHostConfig(hc), (e: unknown) => e instanceof InvalidArgumentError && msg.test(e.message));
}

test("accepts an empty and a sensible host config", () => {
  validateHostConfig({});
  validateHostConfig({ Memory: 64 * 1024 * 1024, NanoCpus: 5e8, RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } });
});

test("memory limits use docker's messages", () => {
  rejects({ Memory: -1 }, /negative/);
  rejects({ Memory: 1024 }, /^Minimum memory limit allowed is 6MB$/);
  rejects({ Memory: 10 * 1024 * 1024, MemorySwap: 8 * 1024 * 1024 }, /memoryswap/);
});

test("restart policy rules", () => {
  const bogus = { Name: "sometimes" } as unknown as { Name: "no" };
  rejects({ RestartPolicy: bogus }, /^invalid restart policy/);
  rejects({ RestartPolicy: { Name: "always", MaximumRetryCount: 2 } }, /only be used with 'on-failure'/);
  rejects({ RestartPolicy: { Name: "always" }, AutoRemove: true }, /^Conflicting options: --restart and --rm$/);
  validateHostConfig({ RestartPolicy: { Name: "no" }, AutoRemove: true });
});

test("cpu conflicts and log driver", () => {
  rejects({ NanoCpus: 1e9, CpuQuota: 50000 }, /Conflicting options/);
  rejects({ LogConfig: { Type: "splunkish", Config: {} } }, /splunkish/);
  rejects({ LogConfig: { Type: "json-file", Config: { "max-size": "lots" } } }, /invalid size/);
});

test("parseSize", () => {
  assert.equal(parseSize("10m"), 10 * 1024 * 1024);
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize("1.5k"), 1536);
  assert.equal(parseSize("x"), undefined);
});

test("ExtraHosts needs name:ip with a real address or host-gateway", () => {
  validateHostConfig({ ExtraHosts: ["a:1.2.3.4", "b:::1", "c:host-gateway"] });
  rejects({ ExtraHosts: ["a:not-an-ip"] }, /^invalid IP address in add-host: "not-an-ip"$/);
  rejects({ ExtraHosts: ["noip"] }, /^invalid IP address in add-host: ""$/);
});
