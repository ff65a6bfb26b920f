/**
 * NetworkService.release with `unplugLater` (a container's exit): the endpoint and the netns go at once,
 * the veth in the background; a later plain release() waits for it. Runs inside `unshare -n`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { NetworkService, deleteLink, deleteTable } from "../../src/network/index.js";
import { StateDb } from "../../src/state/index.js";
import { Logger } from "../../src/util/log.js";

function links(): Array<{ ifname: string; master?: string }> {
  return JSON.parse(execFileSync("ip", ["-j", "link"], { encoding: "utf8" })) as Array<{ ifname: string; master?: string }>;
}

test("release(unplugLater) frees the endpoint and netns at once; a plain release() then waits for the veth", async (t) => {
  const tag = Math.random().toString(36).slice(2, 7);
  const dir = mkdtempSync("/tmp/berth-net-release-");
  const table = `berth_rl_${tag}`;
  const prefix = `rl${tag}`;
  const state = StateDb.open(path.join(dir, "data"));
  const svc = new NetworkService({ state, execRoot: path.join(dir, "exec"), nftTable: table, bridgePrefix: prefix, log: Logger.create("error") });
  t.after(async () => {
    for (const id of ["a", "b"]) await svc.release(id.repeat(64)).catch(() => undefined);
    for (const l of links()) if (l.ifname.startsWith(prefix)) await deleteLink(l.ifname);
    svc.close();
    await deleteTable(table).catch(() => undefined);
    state.close();
    try {
      execFileSync("umount", ["-R", "-l", dir], { stdio: "ignore" });
    } catch {
      // nothing mounted
    }
    rmSync(dir, { recursive: true, force: true });
  });
  await svc.init();
  await svc.create({ Name: "rel", IPAM: { Config: [{ Subnet: "10.202.0.0/24" }] } });
  const bridge = svc.lookup("rel").bridge;
  const id = "a".repeat(64);
  const a = await svc.attach({ containerId: id, networkMode: "rel", portBindings: null, publishAll: false, exposedPorts: null });
  await a.ready;
  assert.equal(links().filter((l) => l.master === bridge).length, 1, "one veth on the bridge");

  await svc.release(id, { unplugLater: true });
  assert.deepEqual(svc.store.endpointsFor(id), [], "endpoint gone at once");
  assert.equal(existsSync(a.netnsPath ?? ""), false, "netns gone at once");
  await svc.release(id); // the removal: waits for the deletion under way
  assert.equal(links().filter((l) => l.master === bridge).length, 0, "veth gone after a plain release");

  // a restart's attach (which releases first) gets the same address back and a working veth
  const again = await svc.attach({ containerId: id, networkMode: "rel", portBindings: null, publishAll: false, exposedPorts: null });
  await again.ready;
  assert.equal(again.ip, a.ip);
  assert.equal(links().filter((l) => l.master === bridge).length, 1);
  await svc.release(id, { unplugLater: true });
  // an attach right after an unplugLater release waits for the old veth, then plugs a new one
  const third = await svc.attach({ containerId: id, networkMode: "rel", portBindings: null, publishAll: false, exposedPorts: null });
  await third.ready;
  assert.equal(links().filter((l) => l.master === bridge).length, 1, "exactly the new veth");
  await svc.release(id);
  assert.equal(links().filter((l) => l.master === bridge).length, 0);
});
