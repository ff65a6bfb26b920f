/** Network and endpoint rows (migration 0006). An endpoint row is the IPAM allocation of its address. */
import type Database from "better-sqlite3";
import type { StateDb } from "../state/index.js";

export interface NetworkRecord {
  id: string;
  name: string;
  /** "bridge" | "host" | "null" */
  driver: string;
  /** The Linux bridge ("" for host/none). */
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  created: string;
}

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: "tcp" | "udp" | "sctp";
}

export interface EndpointRequest {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string } | null;
  /**
   * berth's own mark, on the entry of the network HostConfig.NetworkMode names: a `network disconnect`
   * while the container was stopped took it off that network (docker keeps NetworkMode and starts the
   * container without it, until a `network connect` puts it back).
   */
  Detached?: boolean;
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  endpointId: string;
  ip: string;
  mac: string;
  hostVeth: string;
  ifname: string;
  netns: string;
  aliases: string[];
  ports: PublishedPort[];
}

interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ip_range: string;
  internal: number;
  attachable: number;
  labels: string;
  options: string;
  created: string;
}

interface EndpointRow {
  container_id: string;
  network_id: string;
  endpoint_id: string;
  ip: string;
  mac: string;
  host_veth: string;
  ifname: string;
  netns: string;
  aliases: string;
  ports: string;
}

function toNetwork(r: NetworkRow): NetworkRecord {
  return {
    id: r.id,
    name: r.name,
    driver: r.driver,
    bridge: r.bridge,
    subnet: r.subnet,
    gateway: r.gateway,
    ipRange: r.ip_range,
    internal: r.internal === 1,
    attachable: r.attachable === 1,
    labels: JSON.parse(r.labels) as Record<string, string>,
    options: JSON.parse(r.options) as Record<string, string>,
    created: r.created,
  };
}

function toEndpoint(r: EndpointRow): EndpointRecord {
  return {
    containerId: r.container_id,
    networkId: r.network_id,
    endpointId: r.endpoint_id,
    ip: r.ip,
    mac: r.mac,
    hostVeth: r.host_veth,
    ifname: r.ifname,
    netns: r.netns,
    aliases: JSON.parse(r.aliases) as string[],
    ports: JSON.parse(r.ports) as PublishedPort[],
  };
}

export class NetworkStore {
  // ps and inspect ask about every container: keep prepared statements, and the (short) network list
  // until a network is added or removed.
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();
  private networkList: NetworkRecord[] | undefined;

  constructor(readonly state: StateDb) {}

  private q(sql: string): Database.Statement<unknown[]> {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.state.db.prepare<unknown[]>(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  networks(): NetworkRecord[] {
    this.networkList ??= (this.q("SELECT * FROM networks ORDER BY created, name").all() as NetworkRow[]).map(toNetwork);
    return [...this.networkList]; // records are read-only to callers; writes go through insert/delete
  }

  network(id: string): NetworkRecord | undefined {
    const r = this.q("SELECT * FROM networks WHERE id = ?").get(id) as NetworkRow | undefined;
    return r ? toNetwork(r) : undefined;
  }

  insertNetwork(n: NetworkRecord): void {
    this.networkList = undefined;
    this.state.db
      .prepare(
        "INSERT INTO networks (id, name, driver, bridge, subnet, gateway, ip_range, internal, attachable, labels, options, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(n.id, n.name, n.driver, n.bridge, n.subnet, n.gateway, n.ipRange, n.internal ? 1 : 0, n.attachable ? 1 : 0, JSON.stringify(n.labels), JSON.stringify(n.options), n.created);
  }

  deleteNetwork(id: string): void {
    this.networkList = undefined;
    this.q("DELETE FROM networks WHERE id = ?").run(id);
  }

  endpoints(): EndpointRecord[] {
    return (this.q("SELECT * FROM network_endpoints").all() as EndpointRow[]).map(toEndpoint);
  }

  endpointsOf(networkId: string): EndpointRecord[] {
    return (this.q("SELECT * FROM network_endpoints WHERE network_id = ?").all(networkId) as EndpointRow[]).map(toEndpoint);
  }

  endpointsFor(containerId: string): EndpointRecord[] {
    return (this.q("SELECT * FROM network_endpoints WHERE container_id = ?").all(containerId) as EndpointRow[]).map(toEndpoint);
  }

  insertEndpoint(e: EndpointRecord): void {
    this.state.db
      .prepare(
        "INSERT INTO network_endpoints (container_id, network_id, endpoint_id, ip, mac, host_veth, ifname, netns, aliases, ports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(e.containerId, e.networkId, e.endpointId, e.ip, e.mac, e.hostVeth, e.ifname, e.netns, JSON.stringify(e.aliases), JSON.stringify(e.ports));
  }

  /** NetworkingConfig.EndpointsConfig as given at create (aliases, --ip), by network name or id. */
  /** Every container's request text, read once (a `docker ps` asks for each stopped container's). */
  private requests: Map<string, string> | undefined;

  request(containerId: string): Record<string, EndpointRequest> {
    this.requests ??= new Map(
      (this.q("SELECT container_id, endpoints FROM network_requests").all() as { container_id: string; endpoints: string }[]).map((r) => [r.container_id, r.endpoints]),
    );
    const text = this.requests.get(containerId);
    return text !== undefined ? (JSON.parse(text) as Record<string, EndpointRequest>) : {};
  }

  setRequest(containerId: string, endpoints: Record<string, EndpointRequest>): void {
    const text = JSON.stringify(endpoints);
    this.q("INSERT OR REPLACE INTO network_requests (container_id, endpoints) VALUES (?, ?)").run(containerId, text);
    this.requests?.set(containerId, text);
  }

  deleteRequest(containerId: string): void {
    this.q("DELETE FROM network_requests WHERE container_id = ?").run(containerId);
    this.requests?.delete(containerId);
  }

  deleteEndpoint(containerId: string, networkId: string): void {
    this.q("DELETE FROM network_endpoints WHERE container_id = ? AND network_id = ?").run(containerId, networkId);
  }

  deleteEndpoints(containerId: string): void {
    this.q("DELETE FROM network_endpoints WHERE container_id = ?").run(containerId);
  }
}
