import assert from "node:assert/strict";
import { test } from "node:test";
import { renderPorts } from "./port.js";

const ports = {
  "443/tcp": null,
  "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "::", HostPort: "8080" }],
  "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }],
};

test("lists published ports sorted by number, IPv6 in brackets, unpublished skipped", () => {
  assert.equal(renderPorts(ports), "53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n");
});

test("a private port filter prints only the host addresses; tcp is the default proto", () => {
  assert.equal(renderPorts(ports, "80"), "0.0.0.0:8080\n[::]:8080\n");
  assert.equal(renderPorts(ports, "53/udp"), "127.0.0.1:5353\n");
  assert.equal(renderPorts(ports, "443"), undefined);
  assert.equal(renderPorts(ports, "53"), undefined);
});
