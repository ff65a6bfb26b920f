import { test } from "node:test";
import assert from "node:assert/strict";
import { badLabel, kvMap, naturalCompare } from "./volume-kv.js";
import { volumeRow } from "./volume-rows.js";
import { goCreated, networkRow } from "./network-rows.js";
import type { NetworkResource } from "../../api/types/index.js";

test("kvMap keeps values with '=' and bare keys", () => {
  assert.deepEqual(kvMap(["a=b=c", "k", "x="]), { a: "b=c", k: "", x: "" });
  assert.equal(badLabel(["a=b", "=v", " =w"]), "=v");
  assert.equal(badLabel(["a", "b="]), undefined);
});

test("natural order", () => {
  const names = ["v10", "v2", "b", "a1", "v1"];
  assert.deepEqual([...names].sort(naturalCompare), ["a1", "b", "v1", "v2", "v10"]);
});

test("volume and network rows", () => {
  const v = volumeRow({ CreatedAt: "", Driver: "local", Labels: { b: "2", a: "1" }, Mountpoint: "/m", Name: "n", Options: {}, Scope: "local", UsageData: null });
  assert.equal(v.Labels, "a=1,b=2");
  assert.equal(v.Label("b"), "2");
  assert.equal(v.Size, "N/A");
  const n = { Name: "x", Id: "a".repeat(64), Created: "2024-01-02T03:04:05.120000000Z", Scope: "local", Driver: "bridge", EnableIPv6: false, Internal: true, Labels: {} } as unknown as NetworkResource;
  const r = networkRow(n, false);
  assert.equal(r.ID, "a".repeat(12));
  assert.equal(r.Internal, "true");
  assert.equal(networkRow(n, true).ID.length, 64);
  assert.equal(goCreated("2024-01-02T03:04:05.120000000Z"), "2024-01-02 03:04:05.12 +0000 UTC");
});
