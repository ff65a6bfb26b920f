/**
 * berth's nftables table, rendered whole from the network state and swapped in atomically (one
 * `nft -f` transaction: create-if-missing, delete, recreate), so applying twice never duplicates a
 * rule and reconcile at daemon start is the same call. Only the table named by the daemon is touched.
 *
 * Published ports are DNAT rules in `publish`, jumped to from prerouting (other hosts, containers)
 * and output (this host, 127.0.0.1 included: the bridge gets route_localnet and 127/8 is masqueraded
 * on the way out of it). No proxy process sits in the data path.
 */
import { runTool } from "./exec-tool.js";

export interface RulesetBridge {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface RulesetPort {
  /** "" or "0.0.0.0": every local address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  proto: "tcp" | "udp" | "sctp";
}

export interface Ruleset {
  table: string;
  bridges: RulesetBridge[];
  ports: RulesetPort[];
}

const q = (s: string): string => JSON.stringify(s);

export function renderRuleset(r: Ruleset): string {
  const L: string[] = [];
  L.push(`table inet ${r.table}`, `delete table inet ${r.table}`, `table inet ${r.table} {`);
  L.push("  chain prerouting {", "    type nat hook prerouting priority dstnat; policy accept;", "    fib daddr type local jump publish", "  }");
  L.push("  chain output {", "    type nat hook output priority -100; policy accept;", "    fib daddr type local jump publish", "  }");
  L.push("  chain publish {");
  for (const p of r.ports) {
    if (p.hostIp.includes(":")) continue; // IPv6 host addresses: not published (no IPv6 on berth networks yet)
    const daddr = p.hostIp === "" || p.hostIp === "0.0.0.0" ? "" : `ip daddr ${p.hostIp} `;
    L.push(`    ${daddr}${p.proto} dport ${p.hostPort} dnat ip to ${p.containerIp}:${p.containerPort}`);
  }
  L.push("  }");
  L.push("  chain postrouting {", "    type nat hook postrouting priority srcnat; policy accept;");
  for (const b of r.bridges) {
    L.push(`    oifname ${q(b.bridge)} ip saddr 127.0.0.0/8 masquerade`);
    L.push(`    iifname ${q(b.bridge)} oifname ${q(b.bridge)} ct status dnat masquerade`);
    if (!b.internal) L.push(`    ip saddr ${b.subnet} oifname != ${q(b.bridge)} masquerade`);
  }
  L.push("  }");
  L.push("  chain forward {", "    type filter hook forward priority filter; policy accept;");
  for (const b of r.bridges) {
    if (b.internal) {
      L.push(`    iifname ${q(b.bridge)} oifname != ${q(b.bridge)} drop`);
      L.push(`    oifname ${q(b.bridge)} iifname != ${q(b.bridge)} drop`);
    }
    const others = r.bridges.filter((o) => o.bridge !== b.bridge).map((o) => q(o.bridge));
    if (others.length > 0) L.push(`    iifname ${q(b.bridge)} oifname { ${others.join(", ")} } drop`);
  }
  L.push("  }", "}");
  return L.join("\n") + "\n";
}

export async function applyRuleset(r: Ruleset): Promise<void> {
  await runTool("nft", ["-f", "-"], renderRuleset(r));
}

/** Removes the table if present (tests; berthd leaves it in place when it stops, containers outlive it). */
export async function deleteTable(table: string): Promise<void> {
  await runTool("nft", ["-f", "-"], `table inet ${table}\ndelete table inet ${table}\n`);
}
