/**
 * Networks with the real docker CLI against berthd: network objects, a published port reached from
 * 127.0.0.1 through berth's nftables DNAT (no proxy), and two containers on a user network. Run inside
 * a network namespace of its own (`unshare -n`): bridges and tables are made there; traffic goes only
 * to 127.0.0.1 and to addresses inside that namespace.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { sleep, startBerthd, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-net-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

interface Net {
  d: Berthd;
  table: string;
  prefix: string;
}

async function ready(t: Parameters<typeof startBerthd>[0]): Promise<Net> {
  const tag = Math.random().toString(36).slice(2, 7);
  const table = `berth_e2e_${tag}`;
  const prefix = `be${tag}`;
  const d = await startBerthd(t, { args: ["--nft-table", table, "--bridge-prefix", prefix] });
  const r = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
  return { d, table, prefix };
}

async function ok(d: Berthd, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr} ${r.stdout}`);
  return r.stdout.trim();
}

function nftTable(table: string): string {
  try {
    return execFileSync("nft", ["list", "table", "inet", table], { encoding: "utf8" });
  } catch {
    return "";
  }
}

function links(): Array<{ ifname: string; master?: string }> {
  return JSON.parse(execFileSync("ip", ["-j", "link"], { encoding: "utf8" })) as Array<{ ifname: string; master?: string }>;
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/index.html", timeout: 3000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function getRetry(port: number, ms: number): Promise<{ status: number; body: string }> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await get(port);
    } catch (e) {
      if (Date.now() > end) throw e;
      await sleep(100);
    }
  }
}

const SERVE = "mkdir -p /www && echo hello-from-berth > /www/index.html && exec httpd -f -p 80 -h /www";

test("network create, ls, inspect, rm and docker's errors", async (t) => {
  const { d, prefix } = await ready(t);
  const ls = await ok(d, ["network", "ls", "--format", "{{.Name}} {{.Driver}}"]);
  for (const line of ["bridge bridge", "host host", "none null"]) assert.ok(ls.split("\n").includes(line), ls);
  const bridgeName = await ok(d, ["network", "inspect", "-f", '{{index .Options "com.docker.network.bridge.name"}}', "bridge"]);
  assert.equal(bridgeName, `${prefix}0`);
  assert.ok(links().some((l) => l.ifname === `${prefix}0`), "the default bridge exists");

  const br = `${prefix}x`;
  const id = await ok(d, [
    "network", "create", "--subnet", "10.123.0.0/24", "--gateway", "10.123.0.254", "--ip-range", "10.123.0.128/25",
    "--label", "team=net", "--internal", "--attachable", "-o", `com.docker.network.bridge.name=${br}`, "n1",
  ]);
  assert.match(id, /^[0-9a-f]{64}$/);
  const fmt = "{{.Name}} {{.Driver}} {{.Internal}} {{.Attachable}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{(index .IPAM.Config 0).IPRange}} {{.Labels.team}}";
  assert.equal(await ok(d, ["network", "inspect", "-f", fmt, "n1"]), "n1 bridge true true 10.123.0.0/24 10.123.0.254 10.123.0.128/25 net");
  assert.ok(links().some((l) => l.ifname === br), "bridge created with the requested name");
  assert.ok((await ok(d, ["network", "ls", "--filter", "label=team=net", "-q"])).length > 0);

  const dup = await d.docker(["network", "create", "n1"]);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /network with name n1 already exists/);
  const overlap = await d.docker(["network", "create", "--subnet", "10.123.0.0/16", "n2"]);
  assert.notEqual(overlap.code, 0);
  assert.match(overlap.stderr, /overlaps/);
  const bad = await d.docker(["network", "create", "--subnet", "10.300.0.0/16", "n3"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /invalid CIDR address/i);
  const nf = await d.docker(["network", "inspect", "nope"]);
  assert.notEqual(nf.code, 0);
  assert.match(nf.stderr, /network nope not found/);
  const pre = await d.docker(["network", "rm", "bridge"]);
  assert.notEqual(pre.code, 0);
  assert.match(pre.stderr, /pre-defined network and cannot be removed/);
  const runBad = await d.docker(["run", "--rm", "--network", "nope", "busybox", "true"]);
  assert.notEqual(runBad.code, 0);
  assert.match(runBad.stderr, /network nope not found/);

  await ok(d, ["network", "rm", "n1"]);
  assert.ok(!links().some((l) => l.ifname === br), "bridge removed with its network");
  await ok(d, ["network", "create", "pruneme"]);
  const pruned = await ok(d, ["network", "prune", "-f"]);
  assert.match(pruned, /pruneme/);
  assert.equal(await ok(d, ["network", "ls", "-q", "--filter", "name=pruneme"]), "");
});

test("-p 127.0.0.1:18080:80 reaches httpd through nftables DNAT; rules leave with the container", async (t) => {
  const { d, table, prefix } = await ready(t);
  const cid = await ok(d, ["run", "-d", "--name", "web", "-p", "127.0.0.1:18080:80", "busybox", "sh", "-c", SERVE]);
  const r = await getRetry(18080, 10_000);
  assert.equal(r.status, 200);
  assert.equal(r.body.trim(), "hello-from-berth");
  assert.equal(await ok(d, ["port", "web"]), "80/tcp -> 127.0.0.1:18080");
  const ip = await ok(d, ["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web"]);
  const gw = await ok(d, ["inspect", "-f", "{{.NetworkSettings.Gateway}}", "web"]);
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(await ok(d, ["inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", "web"]), ip);
  assert.match(await ok(d, ["inspect", "-f", "{{.NetworkSettings.MacAddress}}", "web"]), /^02:42:/);
  assert.match(await ok(d, ["exec", "web", "cat", "/etc/hosts"]), new RegExp(`${ip.replace(/\./g, "\\.")}\\s`));
  assert.match(await ok(d, ["exec", "web", "ip", "route"]), new RegExp(`default via ${gw.replace(/\./g, "\\.")}`));
  assert.match(nftTable(table), /dport 18080 dnat ip to/);
  assert.ok(links().some((l) => l.master === `${prefix}0`), "a veth on the default bridge");
  const inspectNet = await ok(d, ["network", "inspect", "-f", "{{range $k, $v := .Containers}}{{$k}} {{$v.Name}}{{end}}", "bridge"]);
  assert.equal(inspectNet, `${cid} web`);

  // a listener bound to 127.0.0.1 inside cannot answer a published port: the berth CLI's `port` says why
  await ok(d, ["run", "-d", "--name", "lo-only", "-p", "127.0.0.1:18081:80", "busybox", "sh", "-c", "mkdir -p /w && exec httpd -f -p 127.0.0.1:80 -h /w"]);
  let warned = "";
  for (let i = 0; i < 50 && !warned.includes("WARNING"); i++) {
    const pr = await d.berth(["port", "lo-only"]);
    assert.equal(pr.stdout.trim(), "80/tcp -> 127.0.0.1:18081");
    warned = pr.stderr;
    if (!warned.includes("WARNING")) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(warned, /WARNING: port 80\/tcp is published on 127\.0\.0\.1:18081, but the process inside listens on 127\.0\.0\.1:80 only/);
  assert.equal((await d.berth(["port", "web"])).stderr, "", "a listener on all addresses gets no warning");
  await ok(d, ["rm", "-f", "lo-only"]);

  // --add-host, with host-gateway = the default bridge's gateway, listed before the container's own line
  const hosts = await ok(d, ["run", "--rm", "--add-host", "db:10.9.8.7", "--add-host", "gw:host-gateway", "busybox", "cat", "/etc/hosts"]);
  assert.match(hosts, new RegExp(`^10\\.9\\.8\\.7\\tdb\\n${gw.replace(/\./g, "\\.")}\\tgw\\n\\d+\\.\\d+\\.\\d+\\.\\d+\\t\\w+$`, "m"));

  // a random host port on 127.0.0.1
  await ok(d, ["run", "-d", "--name", "web2", "-p", "127.0.0.1::80", "busybox", "sh", "-c", SERVE]);
  const mapped = await ok(d, ["port", "web2", "80"]);
  const m = /^127\.0\.0\.1:(\d+)$/.exec(mapped);
  assert.ok(m, mapped);
  assert.equal((await getRetry(Number(m[1]), 10_000)).body.trim(), "hello-from-berth");

  // the same host port again: a clear error, nothing left behind
  const clash = await d.docker(["run", "-d", "--name", "web3", "-p", "127.0.0.1:18080:80", "busybox", "sleep", "30"]);
  assert.notEqual(clash.code, 0);
  assert.match(clash.stderr, /18080/);
  assert.match(clash.stderr, /already allocated/);

  // a port some host process listens on: the error names it
  const holder = createServer();
  await new Promise<void>((res) => holder.listen(18083, "127.0.0.1", () => res()));
  try {
    const busy = await d.docker(["run", "-d", "--name", "web4", "-p", "127.0.0.1:18083:80", "busybox", "sleep", "30"]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, new RegExp(`18083 failed: port is already in use by node \\(pid ${process.pid}\\)`));
  } finally {
    await new Promise<void>((res) => holder.close(() => res()));
  }
  assert.match(await ok(d, ["ps", "--format", "{{.Names}} {{.Networks}}", "--filter", "name=web2"]), /^web2 bridge$/);

  await ok(d, ["rm", "-f", "web", "web2", "web3", "web4"]);
  assert.doesNotMatch(nftTable(table), /dnat ip to/);
  assert.ok(!links().some((l) => l.master === `${prefix}0`), "no veth left on the bridge");
  await assert.rejects(get(18080));
});

test("two containers on one user network reach each other; another network is isolated", async (t) => {
  const { d } = await ready(t);
  await ok(d, ["network", "create", "--subnet", "10.124.0.0/24", "a-net"]);
  await ok(d, ["network", "create", "--subnet", "10.125.0.0/24", "b-net"]);
  await ok(d, ["run", "-d", "--name", "c1", "--network", "a-net", "busybox", "sleep", "300"]);
  await ok(d, ["run", "-d", "--name", "c2", "--network", "a-net", "busybox", "sleep", "300"]);
  await ok(d, ["run", "-d", "--name", "c3", "--network", "b-net", "busybox", "sleep", "300"]);
  const ip1 = await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "a-net").IPAddress}}', "c1"]);
  const ip2 = await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "a-net").IPAddress}}', "c2"]);
  assert.equal(ip1, "10.124.0.2");
  assert.equal(ip2, "10.124.0.3");
  assert.equal(await ok(d, ["ps", "--format", "{{.Names}}", "--filter", "network=a-net"]), "c2\nc1");
  assert.equal(await ok(d, ["ps", "--format", "{{.Names}}", "--filter", "network=b-net"]), "c3");
  await ok(d, ["exec", "c2", "ping", "-c", "1", "-W", "2", ip1]);
  await ok(d, ["exec", "c1", "ping", "-c", "1", "-W", "2", ip2]);
  // names resolve through the responder on the gateway, only within the network
  assert.match(await ok(d, ["exec", "c2", "cat", "/etc/resolv.conf"]), /nameserver 10\.124\.0\.1/);
  assert.match(await ok(d, ["exec", "c2", "nslookup", "c1"]), new RegExp(`Address:\\s*${ip1.replace(/\./g, "\\.")}`));
  await ok(d, ["exec", "c2", "ping", "-c", "1", "-W", "2", "c1"]);
  // --ip and --network-alias
  const c4 = (await ok(d, ["run", "-d", "--name", "c4", "--network", "a-net", "--ip", "10.124.0.50", "--network-alias", "db", "busybox", "sleep", "300"])).trim();
  // docker adds the short id to the aliases on a user-defined network
  assert.equal(await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "a-net").IPAddress}} {{(index .NetworkSettings.Networks "a-net").Aliases}}', "c4"]), `10.124.0.50 [db ${c4.slice(0, 12)}]`);
  assert.match(await ok(d, ["exec", "c2", "nslookup", "db"]), /Address:\s*10\.124\.0\.50/);
  const ipTaken = await d.docker(["run", "-d", "--name", "c5", "--network", "a-net", "--ip", "10.124.0.50", "busybox", "sleep", "300"]);
  assert.notEqual(ipTaken.code, 0);
  assert.match(ipTaken.stderr, /Address already in use/);
  const ipBridge = await d.docker(["run", "--rm", "--ip", "10.124.0.60", "busybox", "true"]);
  assert.notEqual(ipBridge.code, 0);
  assert.match(ipBridge.stderr, /user defined networks only/);
  const other = await d.docker(["exec", "c3", "nslookup", "c1"]);
  assert.doesNotMatch(other.stdout, new RegExp(ip1.replace(/\./g, "\\.")), "c1 is not visible from b-net");
  const iso = await d.docker(["exec", "c3", "ping", "-c", "1", "-W", "1", ip1]);
  assert.notEqual(iso.code, 0, "b-net must not reach a-net");
  // connect/disconnect on a running container
  const ip3 = await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "b-net").IPAddress}}', "c3"]);
  await ok(d, ["network", "connect", "b-net", "c1"]);
  const ip1b = await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "b-net").IPAddress}}', "c1"]);
  assert.match(ip1b, /^10\.125\.0\.\d+$/);
  assert.match(await ok(d, ["exec", "c1", "ip", "-4", "-o", "addr"]), new RegExp(`eth1\\s+inet ${ip1b.replace(/\./g, "\\.")}/24`));
  await ok(d, ["exec", "c1", "ping", "-c", "1", "-W", "2", ip3]);
  const twice = await d.docker(["network", "connect", "b-net", "c1"]);
  assert.notEqual(twice.code, 0);
  assert.match(twice.stderr, /already exists in network b-net/);
  await ok(d, ["network", "disconnect", "b-net", "c1"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}}", "c1"]), "1");
  const gone = await d.docker(["exec", "c1", "ping", "-c", "1", "-W", "1", ip3]);
  assert.notEqual(gone.code, 0, "disconnected: b-net unreachable again");
  // --network container:<name> joins c2's namespace
  assert.match(await ok(d, ["run", "--rm", "--network", "container:c2", "busybox", "ip", "-4", "-o", "addr"]), new RegExp(`inet ${ip2.replace(/\./g, "\\.")}/24`));
  // stop releases the address; start takes one again
  await ok(d, ["stop", "-t", "1", "c1"]);
  assert.equal(await ok(d, ["inspect", "-f", '{{.NetworkSettings.IPAddress}}|{{(index .NetworkSettings.Networks "a-net").IPAddress}}|{{len .NetworkSettings.Networks}}', "c1"]), "||1");
  // a stopped container can be connected: it joins the network at its next start (and can be disconnected before)
  await ok(d, ["network", "connect", "--alias", "late", "b-net", "c1"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}}", "c1"]), "2");
  // again while stopped: docker 20.10 replaces the endpoint's settings and succeeds
  await ok(d, ["network", "connect", "--alias", "late", "b-net", "c1"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}}", "c1"]), "2");
  await ok(d, ["start", "c1"]);
  const late = await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "b-net").IPAddress}}', "c1"]);
  assert.match(late, /^10\.125\.0\.\d+$/);
  await ok(d, ["exec", "c3", "ping", "-c", "1", "-W", "2", "late"]);
  await ok(d, ["stop", "-t", "1", "c1"]);
  await ok(d, ["network", "disconnect", "b-net", "c1"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}}", "c1"]), "1");
  const noneStopped = await d.docker(["create", "--network", "none", "--name", "c6", "busybox", "true"]);
  assert.equal(noneStopped.code, 0);
  assert.match((await d.docker(["network", "connect", "b-net", "c6"])).stderr, /private \(none\) mode/);
  const rmBusy = await d.docker(["network", "rm", "a-net"]);
  assert.notEqual(rmBusy.code, 0);
  assert.match(rmBusy.stderr, /active endpoints/);
  await ok(d, ["rm", "-f", "c1", "c2", "c3", "c4", "c5", "c6"]);
  await ok(d, ["network", "rm", "a-net", "b-net"]);
});

test("--network none and host keep today's namespaces", async (t) => {
  const { d } = await ready(t);
  const none = await ok(d, ["run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"]);
  assert.doesNotMatch(none, /eth0/);
  const host = await ok(d, ["run", "--rm", "--network", "host", "busybox", "ip", "-o", "link"]);
  assert.match(host, /lo/);
});

test("-P publishes EXPOSEd ports on random host ports; ps shows them", async (t) => {
  const { d } = await ready(t);
  await ok(d, ["run", "-d", "--name", "pub", "--expose", "80", "-P", "busybox", "sh", "-c", SERVE]);
  const mapped = await ok(d, ["port", "pub", "80/tcp"]);
  const m = /^0\.0\.0\.0:(\d+)$/.exec(mapped.split("\n")[0] ?? "");
  assert.ok(m, mapped);
  assert.equal((await getRetry(Number(m[1]), 10_000)).body.trim(), "hello-from-berth");
  assert.match(await ok(d, ["ps", "--format", "{{.Ports}}", "--filter", "name=pub"]), new RegExp(`0\\.0\\.0\\.0:${m[1]}->80/tcp`));
});

test("kill -9 of berthd: published ports still forward after restart, no rule duplicated, rm cleans up", async (t) => {
  const { d, table, prefix } = await ready(t);
  await ok(d, ["run", "-d", "--name", "k9", "-p", "127.0.0.1:18081:80", "busybox", "sh", "-c", SERVE]);
  assert.equal((await getRetry(18081, 10_000)).body.trim(), "hello-from-berth");
  await d.kill9();
  assert.equal((await get(18081)).body.trim(), "hello-from-berth", "forwarding needs no daemon");
  await d.restart();
  assert.equal((await getRetry(18081, 5_000)).body.trim(), "hello-from-berth");
  assert.equal(nftTable(table).split("\n").filter((l) => l.includes("dport 18081 dnat")).length, 1);
  assert.equal(await ok(d, ["port", "k9"]), "80/tcp -> 127.0.0.1:18081");
  await ok(d, ["rm", "-f", "k9"]);
  assert.doesNotMatch(nftTable(table), /dnat ip to/);
  assert.ok(!links().some((l) => l.master === `${prefix}0`), "no veth left on the bridge");
});

test("a published port is reachable from another host (a netns behind a veth), through the kernel", async (t) => {
  const { d, prefix } = await ready(t);
  const other = path.join(fx, `otherhost-${prefix}`);
  const hv = `${prefix}h`;
  closeSync(openSync(other, "w"));
  t.after(() => {
    for (const cmd of [["ip", "link", "del", hv], ["umount", other]]) {
      try {
        execFileSync(cmd[0] ?? "", cmd.slice(1), { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
    rmSync(other, { force: true });
  });
  execFileSync("unshare", [`--net=${other}`, "true"]);
  execFileSync("ip", ["link", "add", hv, "type", "veth", "peer", "name", "eth0", "netns", other]);
  execFileSync("ip", ["addr", "add", "10.210.0.1/30", "dev", hv]);
  execFileSync("ip", ["link", "set", hv, "up"]);
  execFileSync("nsenter", [`--net=${other}`, "ip", "-batch", "-"], { input: "link set lo up\naddr add 10.210.0.2/30 dev eth0\nlink set eth0 up\n" });
  await ok(d, ["run", "-d", "--name", "pubweb", "-p", "18082:80", "busybox", "sh", "-c", SERVE]);
  await getRetry(18082, 10_000); // served locally first
  const body = execFileSync("nsenter", [`--net=${other}`, "busybox", "wget", "-q", "-O", "-", "http://10.210.0.1:18082/index.html"], { encoding: "utf8", timeout: 10_000 });
  assert.equal(body.trim(), "hello-from-berth");
  await ok(d, ["rm", "-f", "pubweb"]);
  assert.throws(() => execFileSync("nsenter", [`--net=${other}`, "busybox", "wget", "-q", "-O", "-", "http://10.210.0.1:18082/index.html"], { stdio: "pipe", timeout: 10_000 }));
});

test("network disconnect and connect of stopped containers, their NetworkMode network included, as docker 20.10 does", async (t) => {
  const { d } = await ready(t);
  const sh = async (script: string): Promise<string> => {
    const r = await d.docker(["exec", ...script.split(" ")]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const ifaces = async (c: string): Promise<string[]> =>
    (await sh(`${c} ip -4 -o a`))
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/)[1] ?? "");
  await ok(d, ["network", "create", "--subnet", "10.126.1.0/24", "dn1"]);
  await ok(d, ["network", "create", "--subnet", "10.126.2.0/24", "dn2"]);

  // docker-compose's start: the created container is taken off its NetworkMode network, then put back
  // with its aliases
  const cc = await ok(d, ["create", "--name", "dc-cc", "--network", "dn1", "--network-alias", "web", "busybox", "sleep", "300"]);
  assert.equal(await ok(d, ["inspect", "-f", '{{json (index .NetworkSettings.Networks "dn1").Aliases}}', "dc-cc"]), '["web"]', "create's aliases show before start");
  await ok(d, ["network", "disconnect", "dn1", "dc-cc"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}} {{.HostConfig.NetworkMode}}", "dc-cc"]), "0 dn1", "off the network, NetworkMode kept");
  const again = await d.docker(["network", "disconnect", "dn1", "dc-cc"]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr.trim(), `Error response from daemon: container ${cc} is not connected to the network dn1`);
  await ok(d, ["network", "connect", "--alias", "web", "--alias", "x", "dn1", "dc-cc"]);
  await ok(d, ["network", "connect", "dn1", "dc-cc"]); // a stopped container: the settings are replaced
  await ok(d, ["network", "connect", "--alias", "web", "dn1", "dc-cc"]);
  await ok(d, ["start", "dc-cc"]);
  assert.deepEqual(await ifaces("dc-cc"), ["lo", "eth0"]);
  assert.equal(await ok(d, ["inspect", "-f", '{{json (index .NetworkSettings.Networks "dn1").Aliases}}', "dc-cc"]), `["web","${cc.slice(0, 12)}"]`);

  // started while off its only network: loopback alone
  await ok(d, ["create", "--name", "dc-dd", "--network", "dn1", "busybox", "sleep", "300"]);
  await ok(d, ["network", "disconnect", "dn1", "dc-dd"]);
  await ok(d, ["start", "dc-dd"]);
  assert.deepEqual(await ifaces("dc-dd"), ["lo"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}} {{.HostConfig.NetworkMode}}", "dc-dd"]), "0 dn1");

  // off its NetworkMode network and on another: that one is eth0 and has the default route
  await ok(d, ["create", "--name", "dc-ee", "--network", "dn1", "busybox", "sleep", "300"]);
  await ok(d, ["network", "disconnect", "dn1", "dc-ee"]);
  await ok(d, ["network", "connect", "dn2", "dc-ee"]);
  await ok(d, ["start", "dc-ee"]);
  assert.deepEqual(await ifaces("dc-ee"), ["lo", "eth0"]);
  assert.match(await sh("dc-ee ip route"), /^default via 10\.126\.2\.1 dev eth0/m);
  assert.equal(await ok(d, ["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}{{.HostConfig.NetworkMode}}", "dc-ee"]), "dn2 dn1");
  // stopped, off that one too: loopback alone at the next start
  await ok(d, ["stop", "-t", "0", "dc-ee"]);
  await ok(d, ["network", "disconnect", "dn2", "dc-ee"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}}", "dc-ee"]), "0");
  await ok(d, ["start", "dc-ee"]);
  assert.deepEqual(await ifaces("dc-ee"), ["lo"]);

  // the default bridge too
  await ok(d, ["create", "--name", "dc-ff", "busybox", "sleep", "300"]);
  await ok(d, ["network", "disconnect", "bridge", "dc-ff"]);
  assert.equal(await ok(d, ["inspect", "-f", "{{len .NetworkSettings.Networks}}", "dc-ff"]), "0");

  // a running container keeps libnetwork's wording
  const running = await d.docker(["network", "disconnect", "dn2", "dc-cc"]);
  assert.equal(running.code, 1);
  assert.equal(running.stderr.trim(), `Error response from daemon: container ${cc} is not connected to network dn2`);
  await ok(d, ["rm", "-f", "dc-cc", "dc-dd", "dc-ee", "dc-ff"]);
});

test("names resolve across every user network of the asking container, as docker's embedded DNS does", async (t) => {
  const { d } = await ready(t);
  await ok(d, ["network", "create", "--subnet", "10.127.1.0/24", "xn-back"]);
  await ok(d, ["network", "create", "--subnet", "10.127.2.0/24", "xn-front"]);
  await ok(d, ["run", "-d", "--name", "xn-app", "--network", "xn-front", "--network-alias", "appalias", "busybox", "sleep", "300"]);
  const appIp = await ok(d, ["inspect", "-f", '{{(index .NetworkSettings.Networks "xn-front").IPAddress}}', "xn-app"]);
  // the worker's resolver is its first network's (xn-back), where xn-app is not
  await ok(d, ["create", "--name", "xn-worker", "--network", "xn-back", "busybox", "sleep", "300"]);
  await ok(d, ["network", "connect", "xn-front", "xn-worker"]);
  await ok(d, ["start", "xn-worker"]);
  assert.match(await ok(d, ["exec", "xn-worker", "cat", "/etc/resolv.conf"]), /nameserver 10\.127\.1\.1/);
  for (const name of ["xn-app", "appalias"]) {
    assert.match(await ok(d, ["exec", "xn-worker", "nslookup", name]), new RegExp(`Address:\\s*${appIp.replace(/\./g, "\\.")}`), name);
  }
  // a container on xn-back alone still cannot see it
  await ok(d, ["run", "-d", "--name", "xn-lone", "--network", "xn-back", "busybox", "sleep", "300"]);
  const lone = await d.docker(["exec", "xn-lone", "nslookup", "xn-app"]);
  assert.notEqual(lone.code, 0, lone.stdout);
  await ok(d, ["rm", "-f", "xn-app", "xn-worker", "xn-lone"]);
});
