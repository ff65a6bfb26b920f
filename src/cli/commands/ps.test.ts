import assert from "node:assert/strict";
import { test } from "node:test";
import type { ContainerSummary } from "../../api/types/index.js";
import { renderList } from "../format/formatter.js";
import { PS_HEADERS, psRow } from "./ps.js";

const c = {
  Id: "4f6a1c2b3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef",
  Names: ["/web"],
  Image: "busybox",
  ImageID: "sha256:abc",
  Command: "sleep 1000",
  Created: 1_000_000,
  Ports: [{ IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" }],
  SizeRw: 0,
  SizeRootFs: 4_261_000,
  Labels: { a: "1" },
  State: "running",
  Status: "Up 2 minutes",
  HostConfig: { NetworkMode: "bridge" },
  NetworkSettings: { Networks: {} },
  Mounts: [],
} as unknown as ContainerSummary;

test("a ps row: short id, quoted command, names without slash, size with virtual", () => {
  const r = psRow(c, false, 1_000_000 * 1000 + 120_000);
  assert.equal(r.ID, "4f6a1c2b3d4e");
  assert.equal(r.Command, '"sleep 1000"');
  assert.equal(r.Names, "web");
  assert.equal(r.RunningFor, "2 minutes ago");
  assert.equal(r.Ports, "0.0.0.0:8080->80/tcp");
  assert.equal(r.Size, "0B (virtual 4.26MB)");
  assert.equal(r.Labels, "a=1");
});

test("default table header matches docker's", () => {
  const out = renderList("", "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}", [], PS_HEADERS);
  assert.equal(out, "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
});

test("container prune report lists ids then a blank line", async () => {
  const { pruneReport } = await import("./container-prune.js");
  assert.equal(pruneReport({ ContainersDeleted: ["aa", "bb"], SpaceReclaimed: 0 }), "Deleted Containers:\naa\nbb\n\n");
  assert.equal(pruneReport({ ContainersDeleted: null, SpaceReclaimed: 0 }), "");
});
