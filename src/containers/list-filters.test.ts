import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerSummary, HostConfig } from "../api/types/containers.js";
import { parsePortFilter, viewFilter } from "./list-filters.js";

function summary(networks: Record<string, string>, mounts: { Name?: string; Source: string; Destination: string }[]): ContainerSummary {
  const Networks: Record<string, { NetworkID: string }> = {};
  for (const [name, id] of Object.entries(networks)) Networks[name] = { NetworkID: id };
  return { NetworkSettings: { Networks }, Mounts: mounts } as unknown as ContainerSummary;
}

test("ps filters network, volume, publish and expose match as docker's do", () => {
  const s = summary({ front: "abc123def" }, [{ Name: "data", Source: "/var/lib/berth/volumes/data/_data", Destination: "/d" }, { Source: "/srv", Destination: "/srv-in" }]);
  const more = { exposed: { "80/tcp": {}, "53/udp": {} }, hostConfig: { PortBindings: { "8080/tcp": [{ HostIp: "", HostPort: "" }] } } as HostConfig };
  const t = (f: Record<string, string[]>): boolean => (viewFilter(f) ?? (() => true))(s, more);
  assert.equal(viewFilter({ name: ["x"] }), undefined);
  assert.ok(t({ network: ["front"] }) && t({ network: ["abc1"] }) && !t({ network: ["back"] }));
  assert.ok(t({ volume: ["data"] }) && t({ volume: ["/d"] }) && t({ volume: ["/srv"] }) && !t({ volume: ["other"] }));
  assert.ok(t({ publish: ["8080"] }) && t({ publish: ["8000-8090/tcp"] }) && !t({ publish: ["80"] }) && !t({ publish: ["8080/udp"] }));
  assert.ok(t({ expose: ["80"] }) && t({ expose: ["53/udp"] }) && !t({ expose: ["53"] }));
  assert.ok(t({ network: ["front"], expose: ["80"] }) && !t({ network: ["front"], expose: ["81"] }));
  assert.deepEqual(parsePortFilter("8000-8080/UDP"), { from: 8000, to: 8080, proto: "udp" });
  assert.throws(() => parsePortFilter("80-x"), /invalid range specified for 80-x/);
});
