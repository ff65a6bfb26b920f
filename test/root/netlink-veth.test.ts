/**
 * The addon's rtnetlink functions against the kernel (run inside `unshare -n`, as the root tier does):
 * netnsCreate, vethPlug, linkDelete and loopbackUp, checked with `ip -j` outside and inside the netns,
 * and the failures: a taken name, a missing bridge, a step failing inside the netns (nothing left over).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { createNetns, plugVeth, removeNetns } from "../../src/network/links.js";
import { linkDelete, loopbackUp, netlinkAvailable, netnsCreate, vethPlug } from "../../src/native/index.js";

interface Link {
  ifname: string;
  master?: string;
  flags: string[];
  address?: string;
}
interface Addr {
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}
interface Route {
  dst: string;
  gateway?: string;
  dev?: string;
}

function ipJson<T>(args: string[], netns?: string): T {
  const cmd = netns ? ["nsenter", `--net=${netns}`, "ip", "-j", ...args] : ["ip", "-j", ...args];
  return JSON.parse(execFileSync(cmd[0] ?? "ip", cmd.slice(1), { encoding: "utf8" }) || "[]") as T;
}

const links = (netns?: string): Link[] => ipJson<Link[]>(["link"], netns);

interface Env {
  dir: string;
  tag: string;
  bridge: string;
  /** A new empty file for a netns. */
  nsFile(name: string): string;
}

/** A temp dir, a bridge with 10.77.0.1/24 (up); all undone after the test, also on failure. */
function setup(t: { after(fn: () => Promise<void> | void): void }): Env {
  const tag = Math.random().toString(36).slice(2, 7);
  const dir = mkdtempSync("/tmp/berth-netlink-");
  const bridge = `nlb${tag}`;
  const files: string[] = [];
  execFileSync("ip", ["link", "add", bridge, "type", "bridge"]);
  execFileSync("ip", ["addr", "add", "10.77.0.1/24", "dev", bridge]);
  execFileSync("ip", ["link", "set", bridge, "up"]);
  t.after(() => {
    for (const l of links()) {
      if (!l.ifname.includes(tag)) continue;
      try {
        execFileSync("ip", ["link", "del", l.ifname], { stdio: "ignore" });
      } catch {
        // gone meanwhile (a veth whose peer's netns the kernel is tearing down)
      }
    }
    for (const f of files) {
      try {
        execFileSync("umount", ["-l", f], { stdio: "ignore" });
      } catch {
        // not mounted
      }
    }
    try {
      execFileSync("umount", ["-R", "-l", dir], { stdio: "ignore" });
    } catch {
      // the dir itself was not made a mount
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    tag,
    bridge,
    nsFile(name: string): string {
      const f = path.join(dir, name);
      closeSync(openSync(f, "w", 0o600));
      files.push(f);
      return f;
    },
  };
}

test("the addon has the network functions", () => {
  assert.equal(netlinkAvailable(), true, "build/Release/berth_native.node is stale: rebuild it (npm rebuild)");
});

test("netnsCreate makes a persistent netns (lo up on request); loopbackUp brings lo up", async (t) => {
  const env = setup(t);
  const up = env.nsFile("up");
  await netnsCreate(up, { loopbackUp: true });
  const inside = links(up);
  assert.deepEqual(inside.map((l) => l.ifname), ["lo"], "only loopback");
  assert.ok(inside[0]?.flags.includes("UP"), "lo is up");
  // the main thread never changed namespace: the bridge is still visible here
  assert.ok(links().some((l) => l.ifname === env.bridge));

  const down = env.nsFile("down");
  await netnsCreate(down);
  assert.ok(!links(down)[0]?.flags.includes("UP"), "lo stays down without the option");
  await loopbackUp(down);
  assert.ok(links(down)[0]?.flags.includes("UP"), "loopbackUp brought it up");

  await assert.rejects(netnsCreate(path.join(env.dir, "missing", "ns")), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, "ENOENT");
    assert.match(e.message, /bind netns onto .*missing\/ns: No such file or directory/);
    return true;
  });
  await assert.rejects(loopbackUp(path.join(env.dir, "nope")), { code: "ENOENT", message: /open netns .*nope/ });
});

test("vethPlug: host end on the bridge and up; inside: name, MAC, address, lo, default route; linkDelete removes both ends", async (t) => {
  const env = setup(t);
  const ns = env.nsFile("c1");
  await netnsCreate(ns);
  const host = `vh${env.tag}`;
  await vethPlug({ netns: ns, bridge: env.bridge, hostVeth: host, ifname: "eth0", mac: "02:42:0a:4d:00:02", addressCidr: "10.77.0.2/24", gateway: "10.77.0.1" });

  const h = links().find((l) => l.ifname === host);
  assert.ok(h, "host end exists");
  assert.equal(h.master, env.bridge);
  assert.ok(h.flags.includes("UP"));
  assert.ok(!links().some((l) => l.ifname === "eth0"), "the peer is not in the host netns");

  const inside = links(ns);
  const eth0 = inside.find((l) => l.ifname === "eth0");
  assert.ok(eth0, "peer inside the netns");
  assert.equal(eth0.address, "02:42:0a:4d:00:02");
  assert.ok(eth0.flags.includes("UP"));
  assert.ok(inside.find((l) => l.ifname === "lo")?.flags.includes("UP"), "lo up");
  const addrs = ipJson<Addr[]>(["-4", "addr", "show", "dev", "eth0"], ns);
  assert.deepEqual(addrs[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`), ["10.77.0.2/24"]);
  const routes = ipJson<Route[]>(["-4", "route"], ns);
  assert.ok(routes.some((r) => r.dst === "default" && r.gateway === "10.77.0.1" && r.dev === "eth0"), JSON.stringify(routes));
  // traffic flows: the netns reaches the bridge's address
  execFileSync("nsenter", [`--net=${ns}`, "busybox", "ping", "-c", "1", "-W", "2", "10.77.0.1"], { stdio: "ignore" });

  // without a gateway: no default route
  const ns2 = env.nsFile("c2");
  await netnsCreate(ns2);
  await vethPlug({ netns: ns2, bridge: env.bridge, hostVeth: `vi${env.tag}`, ifname: "eth0", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24" });
  assert.ok(!ipJson<Route[]>(["-4", "route"], ns2).some((r) => r.dst === "default"));

  await linkDelete(host);
  assert.ok(!links().some((l) => l.ifname === host), "host end gone");
  assert.ok(!links(ns).some((l) => l.ifname === "eth0"), "peer gone with it");
  await linkDelete(host); // a missing link is not an error
});

test("vethPlug failures: the message names the step, errno/code are set, nothing is left behind", async (t) => {
  const env = setup(t);
  const ns = env.nsFile("c");
  await netnsCreate(ns);
  const host = `vh${env.tag}`;
  await vethPlug({ netns: ns, bridge: env.bridge, hostVeth: host, ifname: "eth0", mac: "02:42:0a:4d:00:02", addressCidr: "10.77.0.2/24" });
  const before = { host: links().map((l) => l.ifname).sort(), inside: links(ns).map((l) => l.ifname).sort() };

  // a taken host name
  await assert.rejects(vethPlug({ netns: ns, bridge: env.bridge, hostVeth: host, ifname: "eth1", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24" }), (e: NodeJS.ErrnoException) => {
    assert.equal(e.message, `create veth ${host}: File exists`);
    assert.equal(e.code, "EEXIST");
    assert.equal(e.errno, -17);
    return true;
  });
  // a taken name inside the netns
  await assert.rejects(vethPlug({ netns: ns, bridge: env.bridge, hostVeth: `vj${env.tag}`, ifname: "eth0", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24" }), { code: "EEXIST", message: `create veth vj${env.tag}: File exists` });
  // a missing bridge
  await assert.rejects(vethPlug({ netns: ns, bridge: `nob${env.tag}`, hostVeth: `vk${env.tag}`, ifname: "eth1", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24" }), { code: "ENODEV", message: `find bridge nob${env.tag}: No such device` });
  // a step inside the netns fails (the gateway is off-link): the pair made before is deleted again
  await assert.rejects(
    vethPlug({ netns: ns, bridge: env.bridge, hostVeth: `vl${env.tag}`, ifname: "eth1", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24", gateway: "10.99.0.1" }),
    { code: "ENETUNREACH", message: "add default route via 10.99.0.1: Network is unreachable" },
  );
  // a missing netns file
  await assert.rejects(vethPlug({ netns: path.join(env.dir, "nope"), bridge: env.bridge, hostVeth: `vm${env.tag}`, ifname: "eth1", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24" }), { code: "ENOENT" });
  // bad arguments throw at once
  assert.throws(() => vethPlug({ netns: ns, bridge: env.bridge, hostVeth: `vn${env.tag}`, ifname: "eth1", mac: "nope", addressCidr: "10.77.0.3/24" }), /invalid MAC address "nope"/);
  assert.throws(() => vethPlug({ netns: ns, bridge: env.bridge, hostVeth: `vn${env.tag}`, ifname: "eth1", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3" }), /invalid address/);
  assert.throws(() => vethPlug({ netns: ns, bridge: env.bridge, hostVeth: "x".repeat(16), ifname: "eth1", mac: "02:42:0a:4d:00:03", addressCidr: "10.77.0.3/24" }), /invalid interface name/);

  assert.deepEqual({ host: links().map((l) => l.ifname).sort(), inside: links(ns).map((l) => l.ifname).sort() }, before, "no link left from the failures");
});

test("links.ts: createNetns/plugVeth/removeNetns go through the addon; errors are berth's InternalError", async (t) => {
  const env = setup(t);
  const ns = path.join(env.dir, "netns", "ctr");
  await createNetns(ns);
  assert.ok(links(ns)[0]?.flags.includes("UP"), "lo up from the addon");
  await plugVeth({ netns: ns, bridge: env.bridge, hostVeth: `vp${env.tag}`, ifname: "eth0", mac: "02:42:0a:4d:00:05", addressCidr: "10.77.0.5/24", gateway: "10.77.0.1" });
  assert.equal(links().find((l) => l.ifname === `vp${env.tag}`)?.master, env.bridge);
  await assert.rejects(plugVeth({ netns: ns, bridge: env.bridge, hostVeth: `vp${env.tag}`, ifname: "eth1", mac: "02:42:0a:4d:00:06", addressCidr: "10.77.0.6/24" }), (e: Error) => {
    assert.equal(e.name, "InternalError");
    assert.equal(e.message, `create veth vp${env.tag}: File exists`);
    return true;
  });
  await createNetns(ns); // again: the old one is replaced
  assert.deepEqual(links(ns).map((l) => l.ifname), ["lo"], "a fresh netns");
  await removeNetns(ns);
  assert.equal(existsSync(ns), false);
});
