/**
 * network/ against the kernel (run inside `unshare -n`, as the root tier does): IPAM persisted in
 * SQLite, a bridge per network, a veth into a named netns, nftables DNAT from 127.0.0.1, and
 * everything gone after release. Each test uses its own nft table, bridge prefix and subnet.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import * as path from "node:path";
import { test } from "node:test";
import { NetworkService, deleteLink, deleteTable } from "../../src/network/index.js";
import { StateDb } from "../../src/state/index.js";
import { Logger } from "../../src/util/log.js";

interface Env {
  svc: NetworkService;
  state: StateDb;
  dir: string;
  table: string;
  prefix: string;
  reopen(): NetworkService;
}

function setup(t: { after(fn: () => Promise<void> | void): void }): Env {
  const tag = Math.random().toString(36).slice(2, 7);
  const dir = mkdtempSync("/tmp/berth-net-root-");
  const table = `berth_rt_${tag}`;
  const prefix = `rt${tag}`;
  const state = StateDb.open(path.join(dir, "data"));
  const log = Logger.create("error");
  const made: NetworkService[] = [];
  const make = (): NetworkService => {
    const svc = new NetworkService({ state, execRoot: path.join(dir, "exec"), nftTable: table, bridgePrefix: prefix, log });
    made.push(svc);
    return svc;
  };
  const env: Env = { svc: make(), state, dir, table, prefix, reopen: make };
  t.after(async () => {
    for (const e of state.db.prepare("SELECT container_id FROM network_endpoints").all() as Array<{ container_id: string }>) await env.svc.release(e.container_id).catch(() => undefined);
    for (const b of execLinks()) if (b.ifname === `${prefix}0` || b.ifname.startsWith(`${prefix}-`)) await deleteLink(b.ifname);
    for (const svc of made) svc.close(); // DNS responders
    await deleteTable(table).catch(() => undefined);
    state.close();
    try {
      execFileSync("umount", ["-R", dir], { stdio: "ignore" });
    } catch {
      // nothing mounted
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return env;
}

function execLinks(): Array<{ ifname: string; master?: string }> {
  return JSON.parse(execFileSync("ip", ["-j", "link"], { encoding: "utf8" })) as Array<{ ifname: string; master?: string }>;
}

function nft(table: string): string {
  return execFileSync("nft", ["list", "table", "inet", table], { encoding: "utf8" });
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/index.html", timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

test("IPAM: addresses come from the subnet/range, persist across service instances and are freed on release", async (t) => {
  const env = setup(t);
  await env.svc.init();
  await env.svc.create({ Name: "ipam", IPAM: { Config: [{ Subnet: "10.201.0.0/24", IPRange: "10.201.0.16/28" }] } });
  const a = await env.svc.attach({ containerId: "a".repeat(64), networkMode: "ipam", portBindings: null, publishAll: false, exposedPorts: null });
  await a.ready; // plumbing finishes after attach() returns
  assert.equal(a.ip, "10.201.0.17");
  const again = env.reopen(); // a daemon restart: the allocation is in SQLite
  await again.init();
  const b = await again.attach({ containerId: "b".repeat(64), networkMode: "ipam", portBindings: null, publishAll: false, exposedPorts: null });
  await b.ready; // plumbing finishes after attach() returns
  assert.equal(b.ip, "10.201.0.18");
  await again.release("a".repeat(64));
  const c = await again.attach({ containerId: "c".repeat(64), networkMode: "ipam", portBindings: null, publishAll: false, exposedPorts: null });
  await c.ready; // plumbing finishes after attach() returns
  assert.equal(c.ip, "10.201.0.17", "a released address is reused");
  await assert.rejects(again.remove("ipam"), /has active endpoints/);
});

test("bridge + veth + nft DNAT from 127.0.0.1 to a process in the netns; release removes everything", async (t) => {
  const env = setup(t);
  await env.svc.init();
  await env.svc.create({ Name: "dp", IPAM: { Config: [{ Subnet: "10.202.0.0/24" }] } });
  const id = "d".repeat(64);
  const port = 20000 + Math.floor(Math.random() * 10000);
  const r = await env.svc.attach({ containerId: id, networkMode: "dp", portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] }, publishAll: false, exposedPorts: null });
  await r.ready; // plumbing finishes after attach() returns
  assert.equal(r.ip, "10.202.0.2");
  assert.ok(r.netnsPath && existsSync(r.netnsPath));
  const netns = r.netnsPath ?? "";
  const inside = execFileSync("nsenter", [`--net=${netns}`, "ip", "-4", "-o", "addr"], { encoding: "utf8" });
  assert.match(inside, /eth0\s+inet 10\.202\.0\.2\/24/);
  assert.match(execFileSync("nsenter", [`--net=${netns}`, "ip", "route"], { encoding: "utf8" }), /default via 10\.202\.0\.1/);
  const bridge = env.svc.lookup("dp").bridge;
  // the bridge's MAC is fixed (02:42 + gateway), so a veth joining cannot change it under the containers' ARP caches
  const brInfo = JSON.parse(execFileSync("ip", ["-j", "link", "show", "dev", bridge], { encoding: "utf8" })) as Array<{ address: string }>;
  assert.equal(brInfo[0]?.address, "02:42:0a:ca:00:01");
  assert.ok(execLinks().some((l) => l.master === bridge), "host end of the veth is on the bridge");

  const www = path.join(env.dir, "www");
  mkdirSync(www);
  writeFileSync(path.join(www, "index.html"), "served-in-netns\n");
  const httpd = spawn("nsenter", [`--net=${netns}`, "busybox", "httpd", "-f", "-p", "80", "-h", www], { stdio: "ignore" });
  t.after(() => {
    httpd.kill("SIGKILL");
  });
  let body = "";
  for (let i = 0; i < 50 && body === ""; i++) {
    body = await get(port).catch(() => "");
    if (body === "") await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(body.trim(), "served-in-netns");

  // reconcile (a daemon restart) leaves exactly one rule per published port
  await env.reopen().init();
  assert.equal(nft(env.table).split("\n").filter((l) => l.includes(`dport ${port} dnat`)).length, 1);

  httpd.kill("SIGKILL");
  await env.svc.release(id);
  assert.ok(!existsSync(netns), "netns file removed");
  assert.doesNotMatch(nft(env.table), /dnat ip to/);
  assert.ok(!execLinks().some((l) => l.master === bridge), "veth gone");
  await env.svc.remove("dp");
  assert.ok(!execLinks().some((l) => l.ifname === bridge), "bridge gone with its network");
});

test("stale bridges with berth's prefix are removed at init; default bridge avoids routed subnets", async (t) => {
  const env = setup(t);
  const stale = `${env.prefix}-stale`;
  execFileSync("ip", ["link", "add", stale, "type", "bridge"]);
  // a route already on the host for 172.17/16: the default bridge must pick another subnet
  const dummy = `${env.prefix}d`;
  execFileSync("ip", ["link", "add", dummy, "type", "bridge"]);
  t.after(() => {
    try {
      execFileSync("ip", ["link", "del", dummy], { stdio: "ignore" });
    } catch {
      // gone
    }
  });
  execFileSync("ip", ["addr", "add", "172.17.0.1/16", "dev", dummy]);
  execFileSync("ip", ["link", "set", dummy, "up"]);
  await env.svc.init();
  assert.ok(!execLinks().some((l) => l.ifname === stale), "stale bridge removed");
  const sub = (await env.svc.inspect("bridge")).IPAM.Config?.[0]?.Subnet ?? "";
  assert.notEqual(sub, "172.17.0.0/16");
  assert.match(sub, /^(172|192)\./);
});

function ipv4Of(dev: string): string[] {
  const out = JSON.parse(execFileSync("ip", ["-j", "-4", "addr", "show", "dev", dev], { encoding: "utf8" })) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return (out[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

test("a fresh store's default network keeps the address its bridge already has; stray addresses go", async (t) => {
  const env = setup(t);
  const bridge = `${env.prefix}0`;
  // the bridge as another data root's daemon left it, with a second address from a changed setup
  execFileSync("ip", ["link", "add", bridge, "type", "bridge"]);
  execFileSync("ip", ["addr", "add", "10.213.4.1/24", "dev", bridge]);
  execFileSync("ip", ["addr", "add", "10.213.9.1/24", "dev", bridge]);
  await env.svc.init();
  const ipam = (await env.svc.inspect("bridge")).IPAM.Config?.[0];
  assert.equal(ipam?.Subnet, "10.213.4.0/24", "docker's rule: an existing bridge address is the default network's");
  assert.equal(ipam?.Gateway, "10.213.4.1");
  assert.deepEqual(ipv4Of(bridge), ["10.213.4.1/24"], "only the gateway address is left");

  // a second init on the same store finds everything in place and adds nothing
  await env.reopen().init();
  assert.deepEqual(ipv4Of(bridge), ["10.213.4.1/24"]);
});

test("a bridge address that a network of the store already covers is not adopted", async (t) => {
  const env = setup(t);
  await env.svc.create({ Name: "taken", IPAM: { Config: [{ Subnet: "10.214.0.0/24" }] } });
  const bridge = `${env.prefix}0`;
  execFileSync("ip", ["link", "add", bridge, "type", "bridge"]);
  execFileSync("ip", ["addr", "add", "10.214.0.7/24", "dev", bridge]);
  await env.svc.init();
  const sub = (await env.svc.inspect("bridge")).IPAM.Config?.[0]?.Subnet ?? "";
  assert.notEqual(sub, "10.214.0.0/24");
  assert.deepEqual(ipv4Of(bridge), [`${sub.replace(/\.0\/(\d+)$/, ".1/$1")}`], "the bridge now holds the new gateway only");
});
