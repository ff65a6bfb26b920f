import type Database from "better-sqlite3";
import type { Migration } from "../migrations.js";

/**
 * 0006 — networks (owned by network/).
 *
 *   networks(id PK)   one row per network, predefined ones (bridge, host, none) included
 *     name UNIQUE, driver ("bridge" | "host" | "null"), bridge (Linux bridge name, "" for host/none)
 *     subnet, gateway, ip_range ("" when the whole subnet), internal, attachable (0/1)
 *     labels, options   JSON objects
 *     created           ISO time
 *   network_endpoints(container_id, network_id PK)   IPAM: an address is in use while its row exists
 *     endpoint_id, ip UNIQUE per network, mac, host_veth, ifname, netns (path), aliases JSON,
 *     ports JSON [{hostIp, hostPort, containerPort, proto}]
 *   network_requests(container_id PK)   what create asked for: endpoints JSON {network: {Aliases, IPAMConfig}}
 */
export const networksMigration: Migration = {
  version: 6,
  name: "networks",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE networks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        driver TEXT NOT NULL,
        bridge TEXT NOT NULL DEFAULT '',
        subnet TEXT NOT NULL DEFAULT '',
        gateway TEXT NOT NULL DEFAULT '',
        ip_range TEXT NOT NULL DEFAULT '',
        internal INTEGER NOT NULL DEFAULT 0,
        attachable INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '{}',
        options TEXT NOT NULL DEFAULT '{}',
        created TEXT NOT NULL
      );
      CREATE TABLE network_endpoints (
        container_id TEXT NOT NULL,
        network_id TEXT NOT NULL REFERENCES networks(id),
        endpoint_id TEXT NOT NULL,
        ip TEXT NOT NULL,
        mac TEXT NOT NULL,
        host_veth TEXT NOT NULL,
        ifname TEXT NOT NULL,
        netns TEXT NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]',
        ports TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (container_id, network_id),
        UNIQUE (network_id, ip)
      );
      CREATE TABLE network_requests (
        container_id TEXT PRIMARY KEY,
        endpoints TEXT NOT NULL DEFAULT '{}'
      );
    `);
  },
};
