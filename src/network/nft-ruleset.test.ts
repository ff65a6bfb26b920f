import { test } from "node:test";
import assert from "node:assert/strict";
import { renderRuleset } from "./nft-ruleset.js";

test("the table is swapped whole and holds DNAT, masquerade, isolation and internal rules", () => {
  const text = renderRuleset({
    table: "berth_x",
    bridges: [
      { bridge: "bx0", subnet: "172.17.0.0/16", internal: false },
      { bridge: "bx-in", subnet: "10.9.0.0/24", internal: true },
    ],
    ports: [
      { hostIp: "127.0.0.1", hostPort: 8080, containerIp: "172.17.0.2", containerPort: 80, proto: "tcp" },
      { hostIp: "", hostPort: 5353, containerIp: "172.17.0.3", containerPort: 53, proto: "udp" },
      { hostIp: "::1", hostPort: 9090, containerIp: "172.17.0.4", containerPort: 90, proto: "tcp" },
    ],
  });
  const lines = text.split("\n").map((l) => l.trim());
  assert.deepEqual(lines.slice(0, 3), ["table inet berth_x", "delete table inet berth_x", "table inet berth_x {"]);
  assert.ok(lines.includes("ip daddr 127.0.0.1 tcp dport 8080 dnat ip to 172.17.0.2:80"));
  assert.ok(lines.includes("udp dport 5353 dnat ip to 172.17.0.3:53"));
  assert.ok(!text.includes("9090"), "IPv6 host addresses are not published");
  assert.ok(lines.includes('ip saddr 172.17.0.0/16 oifname != "bx0" masquerade'));
  assert.ok(!lines.includes('ip saddr 10.9.0.0/24 oifname != "bx-in" masquerade'), "internal networks are not masqueraded");
  assert.ok(lines.includes('iifname "bx-in" oifname != "bx-in" drop'));
  assert.ok(lines.includes('iifname "bx0" oifname { "bx-in" } drop'), "networks are isolated from each other");
  assert.ok(lines.includes('oifname "bx0" ip saddr 127.0.0.0/8 masquerade'));
});
