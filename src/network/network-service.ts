/**
 * NetworkService: network objects (predefined bridge/host/none and user bridge networks), IPAM,
 * and the data path of containers on bridge networks — a Linux bridge per network, a veth pair per
 * container into a named netns (<exec-root>/netns/<id>, made before the runtime creates the
 * container), nftables masquerade and DNAT for published ports in berth's own table.
 *
 * State lives in SQLite (network/network-store.ts); links and rules are derived from it, so
 * init() at daemon start recreates what is missing and removes what is stale.
 */
import { randomBytes } from "../util/crypto.js";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { EndpointSettings, NetworkSettings, PortBinding } from "../api/types/containers.js";
import type { NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse, NetworkResource } from "../api/types/networks.js";
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, NotImplementedError, messageOf } from "../errdefs/index.js";
import type { StateDb } from "../state/index.js";
import type { Logger } from "../util/log.js";
import { contains, formatCidr, formatIp, macFor, overlaps, parseCidr, parseIp, size, type Cidr } from "./cidr.js";
import { withHostLock } from "./host-lock.js";
import { allocateIp, defaultPool, pickSubnet } from "./ipam.js";
import { DnsResponder } from "./dns-responder.js";
import { createNetns, deleteLink, enableForwarding, ensureBridge, hostRoutes, linkIpv4, listBridges, plugVeth, removeNetns } from "./links.js";
import { explainLoopbackListeners, listenersOf } from "./listeners.js";
import { NetworkStore, type EndpointRecord, type EndpointRequest, type NetworkRecord, type PublishedPort } from "./network-store.js";
import { applyRuleset, type Ruleset } from "./nft-ruleset.js";
import { publishes, resolvePorts, type PublishRequest } from "./port-bindings.js";
import { isoTime } from "../util/iso-time.js";

type Filters = Record<string, string[]>;

export interface NetworkServiceOptions {
  state: StateDb;
  execRoot: string;
  /** berth's nftables table (family inet); default "berth". */
  nftTable?: string;
  /** Prefix of berth's bridge names: `<prefix>0` for `bridge`, `<prefix>-<id>` for user networks; default "berth". */
  bridgePrefix?: string;
  log: Logger;
  emit?: (action: string, id: string, attributes: Record<string, string>) => void;
  /** The container's name ("/x" or "x") for inspect's Containers map. */
  containerName?: (id: string) => string | undefined;
  /** A container by id, name or id prefix (network connect/disconnect). */
  resolveContainer?: (ref: string) => ContainerRef | undefined;
  /** Serve DNS for container names on user networks (default true). */
  dns?: boolean;
  /** Upstream resolvers for other names (default: the host's). */
  upstreams?: () => string[];
  /** Extra subnets to treat as taken (tests). */
  routes?: () => Promise<string[]>;
}

export interface ContainerRef {
  id: string;
  name: string;
  running: boolean;
  /** HostConfig.NetworkMode (for connecting a stopped container). */
  networkMode?: string;
}

export interface AttachRequest extends PublishRequest {
  containerId: string;
  /** HostConfig.NetworkMode: "", "default", "bridge", "none", "host", "container:<id>" or a network name/id. */
  networkMode: string;
  /** The container's name, for error messages. */
  name?: string;
  aliases?: string[];
}

export interface AttachResult {
  /** The netns path the runtime must join; undefined: leave the namespace as the mode says (host/private). */
  netnsPath?: string;
  /** The container's IPv4 address on its network ("" when none). */
  ip: string;
  /** The nameserver for the container's resolv.conf (user networks: the gateway's responder). */
  dns?: string;
  /**
   * Resolves once the interfaces and rules are in place. The netns exists when attach() returns, so the
   * runtime can create the container meanwhile; await this before the container starts (it rejects, with
   * everything released, when plumbing failed).
   */
  ready?: Promise<void>;
}

const PREDEFINED = new Set(["bridge", "host", "none"]);
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class NetworkService {
  readonly store: NetworkStore;
  readonly table: string;
  readonly prefix: string;
  private nftChain: Promise<void> = Promise.resolve();
  /** Bridges known to exist (made or checked by this process); attach skips the check for them. */
  private readonly bridgesUp = new Set<string>();
  private readonly dns: DnsResponder;
  /** Veth deletions still under way, by container (see release's `unplugLater`). */
  private readonly unplugging = new Map<string, Promise<void>>();

  constructor(private readonly o: NetworkServiceOptions) {
    this.store = new NetworkStore(o.state);
    this.dns = new DnsResponder({ resolve: (nid, name, client) => this.resolveName(nid, name, client), log: o.log, ...(o.upstreams ? { upstreams: o.upstreams } : {}) });
    this.table = o.nftTable ?? "berth";
    this.prefix = o.bridgePrefix ?? "berth";
    if (!/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/.test(this.table)) throw new InvalidArgumentError(`invalid nftables table name: ${this.table}`);
    if (!/^[a-z][a-z0-9]{0,9}$/.test(this.prefix)) throw new InvalidArgumentError(`invalid bridge name prefix (1-10 lowercase letters/digits): ${this.prefix}`);
  }

  private netnsPath(containerId: string): string {
    return path.join(this.o.execRoot, "netns", containerId);
  }

  private emit(action: string, n: NetworkRecord, extra: Record<string, string> = {}): void {
    this.o.emit?.(action, n.id, { name: n.name, type: n.driver, ...extra });
  }

  // ---- boot ------------------------------------------------------------------------------------------

  /** Predefined networks, bridges for every bridge network, stale bridges removed, the ruleset applied. */
  init(): Promise<void> {
    return withHostLock(() => this.doInit());
  }

  private async doInit(): Promise<void> {
    const now = isoTime();
    const byName = new Map(this.store.networks().map((n) => [n.name, n]));
    if (!byName.has("bridge")) {
      const bridge = `${this.prefix}0`;
      const { subnet, gw } = await this.defaultBridgeSubnet(bridge);
      this.store.insertNetwork({
        id: newId(),
        name: "bridge",
        driver: "bridge",
        bridge,
        subnet: formatCidr(subnet),
        gateway: gw,
        ipRange: "",
        internal: false,
        attachable: false,
        labels: {},
        options: {
          "com.docker.network.bridge.default_bridge": "true",
          "com.docker.network.bridge.enable_icc": "true",
          "com.docker.network.bridge.enable_ip_masquerade": "true",
          "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
          "com.docker.network.bridge.name": bridge,
          "com.docker.network.driver.mtu": "1500",
        },
        created: now,
      });
    }
    for (const [name, driver] of [
      ["host", "host"],
      ["none", "null"],
    ] as const) {
      if (!byName.has(name)) this.store.insertNetwork({ id: newId(), name, driver, bridge: "", subnet: "", gateway: "", ipRange: "", internal: false, attachable: false, labels: {}, options: {}, created: now });
    }
    enableForwarding();
    const ours = new Set<string>();
    for (const n of this.store.networks()) {
      if (n.driver !== "bridge") continue;
      ours.add(n.bridge);
      await ensureBridge(n.bridge, `${n.gateway}/${parseCidr(n.subnet).prefix}`, gatewayMac(n.gateway));
      this.bridgesUp.add(n.bridge);
      if (this.hasDns(n)) await this.dns.listen(n.id, n.gateway);
    }
    for (const b of await listBridges()) {
      if ((b === `${this.prefix}0` || b.startsWith(`${this.prefix}-`)) && !ours.has(b)) {
        this.o.log.info("removing stale bridge", { bridge: b });
        await deleteLink(b);
      }
    }
    // Endpoints whose namespace is gone (host reboot) cannot be live.
    for (const e of this.store.endpoints()) if (!existsSync(e.netns)) await this.release(e.containerId);
    await this.syncRules();
  }

  /**
   * The default network's subnet and gateway. Like dockerd with docker0, a bridge that is already there
   * with an IPv4 address (left by a daemon on another data root, or set up by hand) keeps it, as long as
   * no network of this store overlaps it; otherwise the first free subnet of the default pool.
   */
  private async defaultBridgeSubnet(bridge: string): Promise<{ subnet: Cidr; gw: string }> {
    const existing = (await linkIpv4(bridge))[0];
    if (existing !== undefined) {
      const subnet = parseCidr(existing);
      const gw = existing.slice(0, existing.indexOf("/"));
      const gwIp = parseIp(gw) ?? subnet.base;
      const usable = subnet.prefix <= 30 && gwIp !== subnet.base && gwIp !== subnet.base + size(subnet) - 1;
      const clash = this.store.networks().some((n) => n.subnet !== "" && overlaps(parseCidr(n.subnet), subnet));
      if (usable && !clash) return { subnet, gw };
    }
    const subnet = pickSubnet(defaultPool(), await this.takenSubnets());
    return { subnet, gw: formatIp(subnet.base + 1) };
  }

  /** Releases the endpoints of containers that are not running (call after containers recovered). */
  async releaseStale(live: (containerId: string) => boolean): Promise<void> {
    const stale = [...new Set(this.store.endpoints().map((e) => e.containerId))].filter((id) => !live(id));
    for (const id of stale) await this.release(id).catch((e) => this.o.log.warn("releasing a stale endpoint failed", { id, err: messageOf(e) }));
  }

  private async takenSubnets(): Promise<Cidr[]> {
    const routes = [...(await hostRoutes().catch(() => [])), ...((await this.o.routes?.()) ?? [])];
    const out: Cidr[] = [];
    for (const r of routes) {
      try {
        out.push(parseCidr(r));
      } catch {
        // not IPv4
      }
    }
    for (const n of this.store.networks()) if (n.subnet) out.push(parseCidr(n.subnet));
    return out;
  }

  private ruleset(): Ruleset {
    const nets = new Map(this.store.networks().map((n) => [n.id, n]));
    const bridges = [...nets.values()].filter((n) => n.driver === "bridge").map((n) => ({ bridge: n.bridge, subnet: n.subnet, internal: n.internal }));
    const ports = [];
    for (const e of this.store.endpoints()) {
      if (nets.get(e.networkId)?.internal) continue;
      for (const p of e.ports) ports.push({ hostIp: p.hostIp, hostPort: p.hostPort, containerIp: e.ip, containerPort: p.containerPort, proto: p.proto });
    }
    return { table: this.table, bridges, ports };
  }

  /** Re-renders berth's table from the state, serialized so the last write reflects the last state. */
  syncRules(): Promise<void> {
    const next = this.nftChain.then(() => applyRuleset(this.ruleset()));
    this.nftChain = next.catch(() => undefined);
    return next;
  }

  /** Stops the DNS responders (daemon shutdown; links and rules stay for the running containers). */
  close(): void {
    this.dns.closeAll();
  }

  /** Docker resolves names on user networks only, not on the default bridge. */
  private hasDns(n: NetworkRecord): boolean {
    return this.o.dns !== false && n.driver === "bridge" && n.name !== "bridge";
  }

  /**
   * Container name, alias or 12-character id → its addresses: on network `networkId` first, then, like
   * docker's embedded DNS, on the other user-defined networks of the container that asks (`client`, its
   * address on `networkId`), in the order it joined them.
   */
  resolveName(networkId: string, name: string, client?: string): string[] {
    const on = (nid: string): string[] => {
      const out: string[] = [];
      for (const e of this.store.endpointsOf(nid)) {
        const cname = (this.o.containerName?.(e.containerId) ?? "").replace(/^\//, "").toLowerCase();
        if (cname === name || e.aliases.some((a) => a.toLowerCase() === name) || (name.length === 12 && e.containerId.startsWith(name))) out.push(e.ip);
      }
      return out;
    };
    const here = on(networkId);
    if (here.length > 0 || client === undefined) return here;
    const asker = this.store.endpointsOf(networkId).find((e) => e.ip === client);
    if (!asker) return here;
    for (const e of this.store.endpointsFor(asker.containerId)) {
      const n = e.networkId === networkId ? undefined : this.store.network(e.networkId);
      if (!n || !this.hasDns(n)) continue;
      const there = on(n.id);
      if (there.length > 0) return there;
    }
    return here;
  }

  // ---- network objects ------------------------------------------------------------------------------

  /** By full id, exact name, or unique id prefix. */
  lookup(ref: string): NetworkRecord {
    const all = this.store.networks();
    const hit = all.find((n) => n.id === ref) ?? all.find((n) => n.name === ref);
    if (hit) return hit;
    const pre = ref.length > 0 ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (pre.length === 1 && pre[0]) return pre[0];
    if (pre.length > 1) throw new InvalidArgumentError(`network ${ref} is ambiguous (${pre.length} matches found on name)`);
    throw new NotFoundError(`network ${ref} not found`);
  }

  view(n: NetworkRecord, withContainers: boolean): NetworkResource {
    const containers: NetworkResource["Containers"] = {};
    if (withContainers) {
      const prefix = n.subnet ? parseCidr(n.subnet).prefix : 0;
      for (const e of this.store.endpointsOf(n.id)) {
        containers[e.containerId] = {
          Name: (this.o.containerName?.(e.containerId) ?? "").replace(/^\//, ""),
          EndpointID: e.endpointId,
          MacAddress: e.mac,
          IPv4Address: `${e.ip}/${prefix}`,
          IPv6Address: "",
        };
      }
    }
    const cfg = n.subnet ? [{ Subnet: n.subnet, ...(n.ipRange ? { IPRange: n.ipRange } : {}), Gateway: n.gateway }] : [];
    return {
      Name: n.name,
      Id: n.id,
      Created: n.created,
      Scope: "local",
      Driver: n.driver,
      EnableIPv6: false,
      IPAM: { Driver: "default", Options: n.name === "bridge" || n.driver !== "bridge" ? null : {}, Config: cfg },
      Internal: n.internal,
      Attachable: n.attachable,
      Ingress: false,
      ConfigFrom: { Network: "" },
      ConfigOnly: false,
      Containers: containers,
      Options: n.options,
      Labels: n.labels,
    };
  }

  list(filters: Filters): Promise<NetworkResource[]> {
    for (const k of Object.keys(filters)) {
      if (!["name", "id", "driver", "label", "type", "scope", "dangling"].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
    }
    const out = this.store.networks().filter((n) => matches(n, filters, () => this.store.endpointsOf(n.id).length > 0));
    return Promise.resolve(out.map((n) => this.view(n, false)));
  }

  inspect(ref: string): Promise<NetworkResource> {
    return Promise.resolve(this.view(this.lookup(ref), true));
  }

  create(body: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    return withHostLock(() => this.doCreate(body));
  }

  private async doCreate(body: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    const name = typeof body?.Name === "string" ? body.Name : "";
    if (name === "") throw new InvalidArgumentError("network name must not be empty");
    if (!NAME_RE.test(name)) throw new InvalidArgumentError(`invalid network name "${name}": must match ${NAME_RE.source}`);
    const driver = body.Driver || "bridge";
    if (driver === "host" || driver === "null") throw new ForbiddenError(`only one instance of "${driver === "null" ? "none" : driver}" network is allowed`);
    if (driver !== "bridge") throw new NotFoundError(`plugin "${driver}" not found`);
    if (this.store.networks().some((n) => n.name === name)) throw new ConflictError(`network with name ${name} already exists`);
    if (body.EnableIPv6) throw new NotImplementedError("IPv6 networks are not supported by berth yet");
    const configs = (body.IPAM?.Config ?? []).filter((c) => c.Subnet || c.Gateway || c.IPRange);
    if (configs.length > 1) throw new NotImplementedError("only one IPv4 subnet per network is supported");
    const c = configs[0];
    if (c?.Subnet?.includes(":")) throw new NotImplementedError("IPv6 networks are not supported by berth yet");
    let subnet: Cidr;
    if (c?.Subnet) {
      subnet = parseCidr(c.Subnet);
      if (subnet.prefix > 30) throw new InvalidArgumentError(`invalid subnet ${c.Subnet}: too small for containers`);
      for (const n of this.store.networks()) {
        if (n.subnet && overlaps(parseCidr(n.subnet), subnet)) throw new ForbiddenError("Pool overlaps with other one on this address space");
      }
    } else {
      if (c?.Gateway || c?.IPRange) throw new InvalidArgumentError("ip-range and gateway need a subnet (--subnet)");
      subnet = pickSubnet(defaultPool(), await this.takenSubnets());
    }
    let range: Cidr | undefined;
    if (c?.IPRange) {
      range = parseCidr(c.IPRange);
      if (!contains(subnet, range.base) || range.prefix < subnet.prefix) throw new InvalidArgumentError(`no matching subnet for range ${c.IPRange}`);
    }
    let gw = subnet.base + 1;
    if (c?.Gateway) {
      const g = parseIp(c.Gateway);
      if (g === undefined) throw new InvalidArgumentError(`invalid gateway address ${c.Gateway}`);
      if (!contains(subnet, g)) throw new InvalidArgumentError(`no matching subnet for gateway ${c.Gateway}`);
      gw = g;
    }
    const id = newId();
    const options = { ...(body.Options ?? {}) };
    const bridge = options["com.docker.network.bridge.name"] || `${this.prefix}-${id.slice(0, 14 - this.prefix.length)}`;
    if (bridge.length > 15 || !/^[a-zA-Z0-9_.-]+$/.test(bridge)) throw new InvalidArgumentError(`invalid bridge name: ${bridge}`);
    if (this.store.networks().some((n) => n.bridge === bridge)) throw new ConflictError(`bridge name ${bridge} is used by another network`);
    const rec: NetworkRecord = {
      id,
      name,
      driver: "bridge",
      bridge,
      subnet: formatCidr(subnet),
      gateway: formatIp(gw),
      ipRange: range ? formatCidr(range) : "",
      internal: body.Internal === true,
      attachable: body.Attachable === true,
      labels: { ...(body.Labels ?? {}) },
      options,
      created: isoTime(),
    };
    this.store.insertNetwork(rec);
    try {
      await ensureBridge(bridge, `${rec.gateway}/${subnet.prefix}`, gatewayMac(rec.gateway));
      this.bridgesUp.add(bridge);
      if (this.hasDns(rec)) await this.dns.listen(id, rec.gateway);
      await this.syncRules();
    } catch (e) {
      this.store.deleteNetwork(id);
      await deleteLink(bridge);
      throw e;
    }
    this.emit("create", rec);
    return { Id: id, Warning: "" };
  }

  async remove(ref: string): Promise<void> {
    const n = this.lookup(ref);
    if (PREDEFINED.has(n.name)) throw new ForbiddenError(`${n.name} is a pre-defined network and cannot be removed`);
    if (this.store.endpointsOf(n.id).length > 0) throw new ForbiddenError(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    this.store.deleteNetwork(n.id);
    this.dns.close(n.id);
    this.bridgesUp.delete(n.bridge);
    await deleteLink(n.bridge);
    await this.syncRules();
    this.emit("destroy", n);
  }

  async prune(filters: Filters): Promise<NetworkPruneResponse> {
    for (const k of Object.keys(filters)) if (!["label", "label!", "until"].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
    const deleted: string[] = [];
    for (const n of this.store.networks()) {
      if (PREDEFINED.has(n.name) || this.store.endpointsOf(n.id).length > 0) continue;
      if (!labelsMatch(n.labels, filters["label"] ?? []) || (filters["label!"] ?? []).some((l) => labelsMatch(n.labels, [l]))) continue;
      const until = filters["until"]?.[0];
      if (until !== undefined && Date.parse(n.created) >= untilMs(until)) continue;
      await this.remove(n.id);
      deleted.push(n.name);
    }
    return { NetworksDeleted: deleted };
  }

  private container(ref: string): ContainerRef {
    const c = this.o.resolveContainer?.(ref);
    if (!c) throw new NotFoundError(`No such container: ${ref}`);
    return c;
  }

  /**
   * Connects a container to one more network. A running one gets a new interface (eth1, eth2…) in its
   * netns, without a default route (the first network keeps it); a stopped one remembers the network and
   * joins it at its next start, as docker does.
   */
  async connect(netRef: string, containerRef: string, endpoint: { ip?: string; aliases?: string[] } = {}): Promise<void> {
    const n = this.lookup(netRef);
    const c = this.container(containerRef);
    if (n.driver !== "bridge") throw new ForbiddenError(`container cannot be disconnected from host network or connected to host network`);
    const eps = this.store.endpointsFor(c.id);
    const name = c.name.replace(/^\//, "");
    const exists = (): ForbiddenError => new ForbiddenError(`endpoint with name ${name} already exists in network ${n.name}`);
    if (eps.some((e) => e.networkId === n.id)) throw exists();
    const subnet = parseCidr(n.subnet);
    if (endpoint.ip) {
      const want = parseIp(endpoint.ip);
      if (want === undefined) throw new InvalidArgumentError(`invalid IPv4 address: ${endpoint.ip}`);
      if (!contains(subnet, want)) throw new InvalidArgumentError(`no configured subnet or ip-range contain the IP address ${endpoint.ip}`);
    }
    const aliases = (endpoint.aliases ?? []).filter((a) => a !== "");
    if (!c.running) {
      const mode = c.networkMode ?? "";
      if (mode === "none") throw new ForbiddenError(`container cannot be connected to multiple networks with one of the networks in private (none) mode`);
      if (mode === "host" || mode.startsWith("container:")) throw new ForbiddenError(`container sharing network namespace with another container or host cannot be connected to any other network`);
      // connecting a stopped container to a network it is on already replaces the endpoint's settings
      // (docker 20.10 answers it with success too)
      const req = this.withoutEntriesFor(this.store.request(c.id), n);
      // docker adds the short id to a user-defined network's aliases (API ≤ 1.44 clients see it there)
      if (!PREDEFINED.has(n.name) && !aliases.includes(c.id.slice(0, 12))) aliases.push(c.id.slice(0, 12));
      req[n.name] = { ...(endpoint.ip ? { IPAMConfig: { IPv4Address: endpoint.ip } } : {}), Aliases: aliases };
      this.store.setRequest(c.id, req);
      return;
    }
    if (eps.length === 0) throw new ForbiddenError(`container cannot be connected to multiple networks with one of the networks in private (none) mode`);
    await this.addInterface(c.id, n, { ...(endpoint.ip ? { ip: endpoint.ip } : {}), aliases }, eps);
  }

  /** Plugs one more interface for `n` into the netns of a container that has `eps` already. */
  private async addInterface(containerId: string, n: NetworkRecord, endpoint: { ip?: string; aliases: string[] }, eps: readonly EndpointRecord[]): Promise<void> {
    const netns = eps[0]?.netns ?? this.netnsPath(containerId);
    const used = new Set(eps.map((e) => e.ifname));
    let k = 0;
    while (used.has(`eth${k}`)) k++;
    const subnet = parseCidr(n.subnet);
    const gw = parseIp(n.gateway) ?? subnet.base + 1;
    const wantIp = endpoint.ip ? parseIp(endpoint.ip) : undefined;
    const ep = this.o.state.tx(() => {
      const taken = new Set(this.store.endpointsOf(n.id).map((e) => parseIp(e.ip) ?? 0));
      if (wantIp !== undefined && (taken.has(wantIp) || wantIp === gw)) throw new ConflictError("Address already in use");
      const ip = wantIp ?? allocateIp(subnet, n.ipRange ? parseCidr(n.ipRange) : undefined, gw, taken, `${n.name} (${n.id.slice(0, 12)})`);
      const rec: EndpointRecord = { containerId, networkId: n.id, endpointId: newId(), ip: formatIp(ip), mac: macFor(ip), hostVeth: `veth${randomBytes(4).toString("hex").slice(0, 7)}`, ifname: `eth${k}`, netns, aliases: endpoint.aliases, ports: [] };
      this.store.insertEndpoint(rec);
      return rec;
    });
    try {
      if (!this.bridgesUp.has(n.bridge)) {
        await ensureBridge(n.bridge, `${n.gateway}/${subnet.prefix}`, gatewayMac(n.gateway));
        this.bridgesUp.add(n.bridge);
      }
      await plugVeth({ netns, bridge: n.bridge, hostVeth: ep.hostVeth, ifname: ep.ifname, mac: ep.mac, addressCidr: `${ep.ip}/${subnet.prefix}` });
    } catch (e) {
      this.store.deleteEndpoint(containerId, n.id);
      throw e;
    }
    this.emit("connect", n, { container: containerId });
  }

  /** Networks a container asked for besides its NetworkMode one (create's EndpointsConfig, connect while stopped). */
  private extraNetworks(containerId: string, networkMode: string): { n: NetworkRecord; ip?: string; aliases: string[] }[] {
    const primary = this.networkOf(networkMode);
    const out: { n: NetworkRecord; ip?: string; aliases: string[] }[] = [];
    for (const [key, r] of Object.entries(this.store.request(containerId))) {
      let n: NetworkRecord;
      try {
        n = this.lookup(key === "default" ? "bridge" : key);
      } catch {
        continue; // removed since: docker fails the start; berth leaves the network out
      }
      if (n.id === primary?.id || n.driver !== "bridge" || r?.Detached || out.some((x) => x.n.id === n.id)) continue;
      const ip = r?.IPAMConfig?.IPv4Address;
      out.push({ n, ...(ip ? { ip } : {}), aliases: requestedAliases(r) });
    }
    return out;
  }

  /** Removes a container's interface on one network (its published ports on it go too). */
  async disconnect(netRef: string, containerRef: string): Promise<void> {
    const n = this.lookup(netRef);
    const c = this.container(containerRef);
    if (n.driver !== "bridge") throw new ForbiddenError(`container cannot be disconnected from host network or connected to host network`);
    const ep = this.store.endpointsFor(c.id).find((e) => e.networkId === n.id);
    if (!ep && !c.running) {
      const mode = c.networkMode ?? "";
      if (this.extraNetworks(c.id, mode).some((x) => x.n.id === n.id)) {
        this.store.setRequest(c.id, this.withoutEntriesFor(this.store.request(c.id), n));
        return;
      }
      // the network NetworkMode names: docker takes the container off it and keeps NetworkMode
      const all = this.store.request(c.id);
      const was = this.requestEntry(all, n);
      if (this.networkOf(mode)?.id === n.id && !was?.Detached) {
        const req = this.withoutEntriesFor(all, n);
        req[n.name] = { ...was, Detached: true };
        this.store.setRequest(c.id, req);
        return;
      }
      throw new ForbiddenError(`container ${c.id} is not connected to the network ${n.name}`);
    }
    if (!ep) throw new ForbiddenError(`container ${c.id} is not connected to network ${n.name}`);
    this.store.deleteEndpoint(c.id, n.id);
    await deleteLink(ep.hostVeth);
    if (ep.ports.length > 0) await this.syncRules();
    this.emit("disconnect", n, { container: c.id });
  }

  // ---- containers -----------------------------------------------------------------------------------

  /** The network a NetworkMode names, or undefined for host/none/container:<id>. Throws for unknown ones. */
  networkOf(mode: string): NetworkRecord | undefined {
    const m = mode === "" || mode === "default" ? "bridge" : mode;
    if (m === "host" || m === "none" || m.startsWith("container:")) return undefined;
    const n = this.lookup(m);
    return n.driver === "bridge" ? n : undefined;
  }

  /**
   * Joins a container to the network its NetworkMode names: a netns, an address, a veth pair, the
   * published ports. Call before the runtime creates the container; undo with release().
   */
  async attach(req: AttachRequest): Promise<AttachResult> {
    if (req.networkMode.startsWith("container:")) return this.joinContainer(req.networkMode.slice("container:".length));
    let net = this.networkOf(req.networkMode);
    let extras = net ? this.extraNetworks(req.containerId, req.networkMode) : [];
    if (net && this.detached(req.containerId, net)) {
      // disconnected from its NetworkMode network while stopped: the first other network takes its place
      // (eth0, the default route, the published ports); with none, the container has loopback only
      net = extras[0]?.n;
      extras = extras.slice(1);
    }
    if (!net) return { ip: "" };
    return this.attachTo(net, extras, req);
  }

  private async attachTo(net: NetworkRecord, extras: ReturnType<NetworkService["extraNetworks"]>, req: AttachRequest): Promise<AttachResult> {
    await this.release(req.containerId);
    const netns = this.netnsPath(req.containerId);
    let ports: PublishedPort[] = [];
    try {
      if (!net.internal && publishes(req)) ports = await resolvePorts(req, this.store.endpoints().flatMap((e) => e.ports));
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      throw new ConflictError(`driver failed programming external connectivity on endpoint ${(req.name ?? req.containerId.slice(0, 12)).replace(/^\//, "")}: ${e.message}`);
    }
    const subnet = parseCidr(net.subnet);
    const gw = parseIp(net.gateway) ?? subnet.base + 1;
    const want = this.requestFor(req.containerId, net);
    // The netns is made on the addon's thread while the address is allocated and recorded here. (A crash
    // in between leaves a netns file without an endpoint: the container's next release() removes it.)
    const netnsMade = createNetns(netns);
    netnsMade.catch(() => undefined); // awaited below
    const allocate = (): EndpointRecord => this.o.state.tx(() => {
      const used = new Set(this.store.endpointsOf(net.id).map((e) => parseIp(e.ip) ?? 0));
      const ip = want.ip ?? allocateIp(subnet, net.ipRange ? parseCidr(net.ipRange) : undefined, gw, used, `${net.name} (${net.id.slice(0, 12)})`);
      if (want.ip !== undefined && used.has(want.ip)) throw new ConflictError(`Address already in use`);
      const rec: EndpointRecord = {
        containerId: req.containerId,
        networkId: net.id,
        endpointId: newId(),
        ip: formatIp(ip),
        mac: macFor(ip),
        hostVeth: `veth${randomBytes(4).toString("hex").slice(0, 7)}`,
        ifname: "eth0",
        netns,
        aliases: [...(req.aliases ?? []), ...want.aliases],
        ports,
      };
      this.store.insertEndpoint(rec);
      return rec;
    });
    let ep: EndpointRecord;
    try {
      ep = allocate();
    } catch (e) {
      await netnsMade.catch(() => undefined);
      await removeNetns(netns).catch(() => undefined);
      throw e;
    }
    try {
      if (!this.bridgesUp.has(net.bridge)) {
        await ensureBridge(net.bridge, `${net.gateway}/${subnet.prefix}`, gatewayMac(net.gateway));
        this.bridgesUp.add(net.bridge);
      }
      await netnsMade;
    } catch (e) {
      await netnsMade.catch(() => undefined); // settled before it is undone
      await this.release(req.containerId).catch(() => undefined);
      throw e;
    }
    // The veth and the rules go in while the runtime creates the container (both take a few ms of other
    // processes); the container's process does not run before start, which waits for `ready`.
    const ready = (async (): Promise<void> => {
      try {
        await plugVeth({ netns, bridge: net.bridge, hostVeth: ep.hostVeth, ifname: ep.ifname, mac: ep.mac, addressCidr: `${ep.ip}/${subnet.prefix}`, ...(net.internal ? {} : { gateway: net.gateway }) });
        if (ports.length > 0) await this.syncRules();
        for (const x of extras) {
          await this.addInterface(req.containerId, x.n, { ...(x.ip ? { ip: x.ip } : {}), aliases: x.aliases }, this.store.endpointsFor(req.containerId));
        }
      } catch (e) {
        await this.release(req.containerId).catch(() => undefined);
        throw e;
      }
      this.emit("connect", net, { container: req.containerId });
    })();
    ready.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
    return { netnsPath: netns, ip: ep.ip, ...(this.hasDns(net) ? { dns: net.gateway } : {}), ready };
  }

  /** Remembers NetworkingConfig.EndpointsConfig from create (aliases, --ip); validated against the networks now. */
  saveRequest(containerId: string, endpoints: Record<string, EndpointRequest> | null | undefined): void {
    const list = Object.entries(endpoints ?? {});
    if (list.length === 0) return;
    for (const [name, e] of list) {
      const ip = e?.IPAMConfig?.IPv4Address;
      if (!ip) continue;
      let n: NetworkRecord;
      try {
        n = this.lookup(name === "default" ? "bridge" : name);
      } catch (err) {
        // a 404 from create makes the docker CLI try to pull the image
        throw new InvalidArgumentError(messageOf(err));
      }
      if (PREDEFINED.has(n.name) || n.driver !== "bridge") throw new InvalidArgumentError("user specified IP address is supported on user defined networks only");
      const v = parseIp(ip);
      if (v === undefined || !contains(parseCidr(n.subnet), v)) throw new InvalidArgumentError(`invalid IPv4 address: ${ip} is not in subnet ${n.subnet}`);
    }
    this.store.setRequest(containerId, Object.fromEntries(list));
  }

  /** Forgets what create asked for (container removed). */
  forget(containerId: string): void {
    this.store.deleteRequest(containerId);
  }

  /** The entry of a container's request that names `net` (by name, id, id prefix, or "default" for bridge). */
  private requestEntry(all: Record<string, EndpointRequest>, net: NetworkRecord): EndpointRequest | undefined {
    return all[net.name] ?? all[net.id] ?? Object.entries(all).find(([k]) => this.keyNames(k, net))?.[1];
  }

  /** Whether a request key (a network name, id or id prefix; "default" for bridge) names `net`. */
  private keyNames(key: string, net: NetworkRecord): boolean {
    try {
      return this.lookup(key === "default" ? "bridge" : key).id === net.id;
    } catch {
      return false; // removed since
    }
  }

  /** A container's request without the entries that name `n`. */
  private withoutEntriesFor(req: Record<string, EndpointRequest>, n: NetworkRecord): Record<string, EndpointRequest> {
    return Object.fromEntries(Object.entries(req).filter(([k]) => !this.keyNames(k, n)));
  }

  /** True when a stopped container was disconnected from the network its NetworkMode names. */
  private detached(containerId: string, net: NetworkRecord): boolean {
    return this.requestEntry(this.store.request(containerId), net)?.Detached === true;
  }

  private requestFor(containerId: string, net: NetworkRecord): { ip?: number; aliases: string[] } {
    const r = this.requestEntry(this.store.request(containerId), net);
    const ip = r?.IPAMConfig?.IPv4Address ? parseIp(r.IPAMConfig.IPv4Address) : undefined;
    return { ...(ip !== undefined ? { ip } : {}), aliases: requestedAliases(r) };
  }

  /** --network container:<ref>: the other container's netns (it must be running and have one of berth's). */
  private joinContainer(ref: string): AttachResult {
    const c = this.container(ref);
    if (!c.running) throw new ConflictError(`cannot join network of a non running container: ${ref}`);
    const netns = this.netnsPath(c.id);
    return existsSync(netns) ? { netnsPath: netns, ip: "" } : { ip: "" };
  }

  /**
   * Drops a container's endpoints: rules, veth, netns and addresses. Idempotent. With `unplugLater`
   * (a container that just exited, a --rm removal) it returns before its veths are deleted: the kernel
   * takes 10-20 ms per link (RCU grace periods), which need not hold up the exit. The addresses are
   * free and the netns is unmounted by then; a later release() without the option (`docker rm`, a
   * restart's attach) waits for the deletion. Crash safety does not depend on it: a veth whose peer's
   * netns is gone is deleted by the kernel.
   */
  async release(containerId: string, opts: { unplugLater?: boolean } = {}): Promise<void> {
    const pending = this.unplugging.get(containerId);
    const eps = this.store.endpointsFor(containerId);
    const netns = this.netnsPath(containerId);
    if (eps.length === 0 && !existsSync(netns)) {
      if (!opts.unplugLater) await pending;
      return;
    }
    this.store.deleteEndpoints(containerId);
    // deleteLink never rejects
    const unplugged = Promise.all([pending, ...eps.map((e) => deleteLink(e.hostVeth))]).then(() => {
      if (this.unplugging.get(containerId) === unplugged) this.unplugging.delete(containerId);
    });
    this.unplugging.set(containerId, unplugged);
    // Rules, links and the netns are independent: undo them side by side.
    await Promise.all([
      eps.some((e) => e.ports.length > 0) ? this.syncRules() : Promise.resolve(),
      opts.unplugLater ? Promise.resolve() : unplugged,
      removeNetns(netns),
    ]);
    for (const e of eps) {
      const n = this.store.network(e.networkId);
      if (n) this.emit("disconnect", n, { container: containerId });
    }
  }

  /** inspect's NetworkSettings for a container (empty addresses when it has no endpoint). */
  settings(
    containerId: string,
    networkMode: string,
    exposedPorts: Record<string, unknown> | null | undefined,
    eps: readonly EndpointRecord[] = this.store.endpointsFor(containerId),
  ): NetworkSettings {
    const ports: Record<string, PortBinding[] | null> = {};
    const networks: Record<string, EndpointSettings> = {};
    let first: { e: EndpointRecord; n: NetworkRecord } | undefined;
    for (const e of eps) {
      const n = this.store.network(e.networkId);
      if (!n) continue;
      first ??= { e, n };
      const prefix = parseCidr(n.subnet).prefix;
      networks[n.name] = {
        IPAMConfig: null,
        Links: null,
        Aliases: shownAliases(e.aliases, n, containerId),
        MacAddress: e.mac,
        NetworkID: n.id,
        EndpointID: e.endpointId,
        Gateway: n.internal ? "" : n.gateway,
        IPAddress: e.ip,
        IPPrefixLen: prefix,
        IPv6Gateway: "",
        GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0,
        DriverOpts: null,
        DNSNames: null,
      };
      for (const p of e.ports) {
        const key = `${p.containerPort}/${p.proto}`;
        (ports[key] ??= []).push({ HostIp: p.hostIp || "0.0.0.0", HostPort: String(p.hostPort) });
      }
    }
    if (eps.length > 0) for (const k of Object.keys(exposedPorts ?? {})) if (!(k in ports)) ports[k.includes("/") ? k : `${k}/tcp`] = null;
    if (!first) {
      const mode = networkMode === "" || networkMode === "default" ? "bridge" : networkMode;
      // not attached (created, stopped, host, none): docker still lists the network, without addresses
      const n = this.store.networks().find((x) => x.name === mode || x.id === mode);
      const blank = (x: NetworkRecord, aliases: string[] | null): EndpointSettings => ({ IPAMConfig: null, Links: null, Aliases: aliases, MacAddress: "", NetworkID: x.id, EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DriverOpts: null, DNSNames: null });
      const entry = n ? this.requestEntry(this.store.request(containerId), n) : undefined;
      const requested = requestedAliases(entry);
      if (n && !entry?.Detached) networks[n.name] = blank(n, requested.length > 0 ? requested : null);
      if (mode !== "none" && mode !== "host") for (const x of this.extraNetworks(containerId, networkMode)) networks[x.n.name] = blank(x.n, x.aliases.length > 0 ? x.aliases : null);
    }
    const onBridge = first?.n.name === "bridge";
    return {
      Bridge: "",
      SandboxID: first ? first.e.endpointId : "",
      Ports: ports,
      SandboxKey: first ? first.e.netns : "",
      EndpointID: onBridge ? (first?.e.endpointId ?? "") : "",
      Gateway: onBridge ? (first?.n.gateway ?? "") : "",
      GlobalIPv6Address: "",
      GlobalIPv6PrefixLen: 0,
      IPAddress: onBridge ? (first?.e.ip ?? "") : "",
      IPPrefixLen: onBridge && first ? parseCidr(first.n.subnet).prefix : 0,
      IPv6Gateway: "",
      MacAddress: onBridge ? (first?.e.mac ?? "") : "",
      Networks: networks,
    };
  }

  /** Published ports of a container (for `docker ps`). */
  portsOf(containerId: string, eps: readonly EndpointRecord[] = this.store.endpointsFor(containerId)): PublishedPort[] {
    return eps.flatMap((e) => e.ports);
  }

  /**
   * Sentences explaining published TCP ports that will reset because the process inside (its netns seen
   * through `pid`) listens on loopback only. Empty when all is well or nothing listens yet.
   */
  async explainPorts(containerId: string, pid: number): Promise<string[]> {
    const ports = this.portsOf(containerId).filter((p) => p.proto === "tcp");
    if (ports.length === 0 || pid <= 0) return [];
    return explainLoopbackListeners(await listenersOf(pid), ports);
  }

  /** Every endpoint, grouped by container: one query for a whole `docker ps`. */
  endpointsByContainer(): Map<string, EndpointRecord[]> {
    const m = new Map<string, EndpointRecord[]>();
    for (const e of this.store.endpoints()) {
      const l = m.get(e.containerId);
      if (l) l.push(e);
      else m.set(e.containerId, [e]);
    }
    return m;
  }
}

/** The bridge's fixed MAC: docker's 02:42 scheme over the gateway address (no container has that address). */
function gatewayMac(gateway: string): string {
  return macFor(parseIp(gateway) ?? 0);
}

/** An endpoint's aliases as inspect shows them: on a user-defined network docker adds the short id. */
function shownAliases(aliases: readonly string[], n: NetworkRecord, containerId: string): string[] | null {
  if (PREDEFINED.has(n.name)) return aliases.length > 0 ? [...aliases] : null;
  const short = containerId.slice(0, 12);
  return aliases.includes(short) ? [...aliases] : [...aliases, short];
}

/** The aliases a request entry asks for (create's EndpointsConfig, a connect while stopped). */
function requestedAliases(r: EndpointRequest | undefined): string[] {
  return (r?.Aliases ?? []).filter((a) => typeof a === "string" && a !== "");
}

function newId(): string {
  return randomBytes(32).toString("hex");
}

function labelsMatch(labels: Record<string, string>, wanted: readonly string[]): boolean {
  return wanted.every((w) => {
    const i = w.indexOf("=");
    return i < 0 ? w in labels : labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

function untilMs(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return Date.now() - Number(d[1]) * ({ s: 1000, m: 60_000, h: 3_600_000 }[d[2] as "s" | "m" | "h"] ?? 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`failed to parse value ${v} as a time`);
  return t;
}

function matches(n: NetworkRecord, f: Filters, inUse: () => boolean): boolean {
  const any = (k: string, pred: (v: string) => boolean): boolean => !f[k] || f[k].length === 0 || f[k].some(pred);
  return (
    any("name", (v) => n.name.includes(v)) &&
    any("id", (v) => n.id.startsWith(v)) &&
    any("driver", (v) => n.driver === v) &&
    any("scope", (v) => v === "local") &&
    any("type", (v) => (v === "builtin" ? PREDEFINED.has(n.name) : v === "custom" ? !PREDEFINED.has(n.name) : false)) &&
    any("dangling", (v) => (v === "true" || v === "1" ? !PREDEFINED.has(n.name) && !inUse() : true)) &&
    (!f["label"] || labelsMatch(n.labels, f["label"]))
  );
}
