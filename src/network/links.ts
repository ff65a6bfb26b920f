/**
 * Bridges, veth pairs and network namespaces. What happens per container (netns, veth pair, loopback,
 * link deletion) goes through rtnetlink in berth's native addon: no process is spawned. An addon built
 * before those functions existed falls back to iproute2 and util-linux, as do the once-per-bridge
 * steps (ensureBridge) and the listings.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { InternalError } from "../errdefs/index.js";
import { unmount } from "../mount/index.js";
import * as native from "../native/index.js";
import type { NativeVethPlan } from "../native/index.js";
import { runTool } from "./exec-tool.js";

/** The addon's errors as berth's (the message names the step: "create veth veth1a2b3c4: File exists"). */
function nativeError(e: unknown): InternalError {
  return new InternalError(e instanceof Error ? e.message : String(e), { cause: e });
}

async function linkExists(name: string): Promise<boolean> {
  try {
    await runTool("ip", ["-j", "link", "show", "dev", name]);
    return true;
  } catch {
    return false;
  }
}

function writeSysctl(key: string, value: string): void {
  const p = path.join("/proc/sys", ...key.split("."));
  try {
    if (readFileSync(p, "utf8").trim() === value) return;
    writeFileSync(p, value);
  } catch {
    // not fatal: the data path reports what does not work
  }
}

/** Turns on IPv4 forwarding in the daemon's network namespace (needed for traffic leaving a bridge). */
export function enableForwarding(): void {
  writeSysctl("net.ipv4.ip_forward", "1");
}

/**
 * Creates the bridge if missing, gives it the gateway address and brings it up. Idempotent. The MAC is
 * set explicitly: otherwise a bridge takes the lowest MAC of its ports, it changes when a veth joins,
 * and containers' ARP entries for the gateway go stale (DNS and routed traffic stall for seconds).
 */
export async function ensureBridge(name: string, gatewayCidr: string, mac?: string): Promise<void> {
  if (!(await linkExists(name))) {
    await runTool("ip", ["link", "add", "name", name, ...(mac ? ["address", mac] : []), "type", "bridge"]);
  } else if (mac) {
    await runTool("ip", ["link", "set", name, "address", mac]);
  }
  const have = await linkIpv4(name);
  if (!have.includes(gatewayCidr)) await runTool("ip", ["addr", "add", gatewayCidr, "dev", name]);
  // the bridge is berth's: an address left from an earlier configuration (another data root's default
  // network, a changed subnet) would keep routing that subnet here, so it goes, as docker's does
  for (const a of have) if (a !== gatewayCidr) await runTool("ip", ["addr", "del", a, "dev", name]);
  await runTool("ip", ["link", "set", name, "up"]);
  // DNAT from 127.0.0.1 to a container routes a loopback source out of this bridge.
  writeSysctl(`net.ipv4.conf.${name}.route_localnet`, "1");
}

/** A link's IPv4 addresses as "a.b.c.d/prefix", in the kernel's order; none when the link is missing. */
export async function linkIpv4(name: string): Promise<string[]> {
  let out: string;
  try {
    out = await runTool("ip", ["-j", "-4", "addr", "show", "dev", name]);
  } catch {
    return [];
  }
  const addrs = JSON.parse(out) as Array<{ addr_info?: Array<{ local?: string; prefixlen?: number }> }>;
  return (addrs[0]?.addr_info ?? []).filter((a) => a.local && a.prefixlen !== undefined).map((a) => `${a.local ?? ""}/${String(a.prefixlen)}`);
}

/** Deletes a link; a missing one is not an error (nor, as ever, any other failure). */
export async function deleteLink(name: string): Promise<void> {
  if (native.netlinkAvailable()) {
    await native.linkDelete(name).catch(() => undefined);
    return;
  }
  await runTool("ip", ["link", "del", name]).catch(() => undefined);
}

/** Names of the bridges in this network namespace. */
export async function listBridges(): Promise<string[]> {
  const links = JSON.parse(await runTool("ip", ["-j", "link", "show", "type", "bridge"])) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname);
}

/** IPv4 destinations routed on this host (all tables), as CIDRs; `default` is left out. */
export async function hostRoutes(): Promise<string[]> {
  const out = JSON.parse(await runTool("ip", ["-j", "-4", "route", "show", "table", "all"])) as Array<{ dst?: string; type?: string }>;
  const res: string[] = [];
  for (const r of out) {
    if (!r.dst || r.dst === "default") continue;
    if (r.type && r.type !== "unicast") continue;
    res.push(r.dst.includes("/") ? r.dst : `${r.dst}/32`);
  }
  return res;
}

/**
 * A persistent network namespace bind-mounted at `file` (holding only loopback: up when the addon makes
 * it, down from the fallback; plugVeth brings it up either way).
 */
export async function createNetns(file: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) await removeNetns(file);
  closeSync(openSync(file, "w", 0o600));
  if (native.netlinkAvailable()) {
    try {
      await native.netnsCreate(file, { loopbackUp: true });
    } catch (e) {
      await removeNetns(file).catch(() => undefined); // bound already when a later step failed
      throw nativeError(e);
    }
    return;
  }
  try {
    await runTool("unshare", [`--net=${file}`, "true"]);
  } catch {
    // unshare refuses to bind onto a shared mount: make the directory a private mount of its own.
    const dir = path.dirname(file);
    await runTool("mount", ["--bind", dir, dir]).catch(() => undefined);
    await runTool("mount", ["--make-private", dir]);
    await runTool("unshare", [`--net=${file}`, "true"]);
  }
}

export async function removeNetns(file: string): Promise<void> {
  await unmount(file, { detach: true }).catch(() => undefined);
  rmSync(file, { force: true });
}

/** A veth to plug (the addon's plan): `gateway` is absent on --internal networks (no default route). */
export type VethPlan = NativeVethPlan;

/** A veth pair: one end on the bridge, the other renamed, addressed and routed inside the netns. */
export async function plugVeth(p: VethPlan): Promise<void> {
  if (native.netlinkAvailable()) {
    // One rtnetlink request makes the pair (peer straight into the netns); the addon deletes it on failure.
    await native
      .vethPlug({ netns: p.netns, bridge: p.bridge, hostVeth: p.hostVeth, ifname: p.ifname, mac: p.mac, addressCidr: p.addressCidr, ...(p.gateway ? { gateway: p.gateway } : {}) })
      .catch((e: unknown) => {
        throw nativeError(e);
      });
    return;
  }
  // One ip process for the host side, one inside the netns.
  await runTool("ip", ["-batch", "-"], `link add ${p.hostVeth} type veth peer name ${p.ifname} address ${p.mac} netns ${p.netns}\nlink set ${p.hostVeth} master ${p.bridge} up\n`).catch(async (e: unknown) => {
    await deleteLink(p.hostVeth);
    throw e;
  });
  try {
    const batch = ["link set lo up", `addr add ${p.addressCidr} dev ${p.ifname}`, `link set ${p.ifname} up`];
    if (p.gateway) batch.push(`route add default via ${p.gateway} dev ${p.ifname}`);
    await runTool("nsenter", [`--net=${p.netns}`, "ip", "-batch", "-"], batch.join("\n") + "\n");
  } catch (e) {
    await deleteLink(p.hostVeth);
    throw e;
  }
}

/** Brings loopback up in a netns (containers with --network none). */
export async function loopbackUp(netns: string): Promise<void> {
  if (native.netlinkAvailable()) {
    await native.loopbackUp(netns).catch((e: unknown) => {
      throw nativeError(e);
    });
    return;
  }
  await runTool("nsenter", [`--net=${netns}`, "ip", "link", "set", "lo", "up"]);
}
