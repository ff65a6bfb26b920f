import type { NetworkCreateRequest, NetworkCreateResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { StatusError } from "../cli-error.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { createIpamConfig, splitSlice } from "./network-ipam.js";
import { checkLabels, kvMap } from "./volume-kv.js";

export const flags: FlagSpec[] = [
  { long: "attachable", type: "bool", usage: "Enable manual container attachment" },
  { long: "aux-address", type: "stringArray", valueName: "map", usage: "Auxiliary IPv4 or IPv6 addresses used by Network driver" },
  { long: "config-from", type: "string", valueName: "string", usage: "The network from which to copy the configuration" },
  { long: "config-only", type: "bool", usage: "Create a configuration only network" },
  { long: "driver", short: "d", type: "string", valueName: "string", default: "bridge", usage: "Driver to manage the Network" },
  { long: "gateway", type: "stringArray", valueName: "strings", usage: "IPv4 or IPv6 Gateway for the master subnet" },
  { long: "ingress", type: "bool", usage: "Create swarm routing-mesh network" },
  { long: "internal", type: "bool", usage: "Restrict external access to the network" },
  { long: "ip-range", type: "stringArray", valueName: "strings", usage: "Allocate container ip from a sub-range" },
  { long: "ipam-driver", type: "string", valueName: "string", default: "default", usage: "IP Address Management Driver" },
  { long: "ipam-opt", type: "stringArray", valueName: "map", usage: "Set IPAM driver specific options" },
  { long: "ipv6", type: "bool", usage: "Enable or disable IPv6 networking" },
  { long: "label", type: "stringArray", valueName: "list", usage: "Set metadata on a network" },
  { long: "opt", short: "o", type: "stringArray", valueName: "map", usage: "Set driver specific options" },
  { long: "scope", type: "string", valueName: "string", usage: "Control the network's scope" },
  { long: "subnet", type: "stringArray", valueName: "strings", usage: "Subnet in CIDR format that represents a network segment" },
];
export const args: ArgRule = { kind: "exact", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const name = argv[0] ?? "";
  const labels = list(f, "label");
  checkLabels(ctx, labels);
  let ipam;
  try {
    ipam = createIpamConfig({
      driver: str(f, "ipam-driver") ?? "default",
      subnets: splitSlice(list(f, "subnet")),
      ipRanges: splitSlice(list(f, "ip-range")),
      gateways: splitSlice(list(f, "gateway")),
      auxAddresses: kvMap(list(f, "aux-address")),
      driverOpts: kvMap(list(f, "ipam-opt")),
    });
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  const body: NetworkCreateRequest = {
    Name: name,
    Driver: str(f, "driver") ?? "bridge",
    Options: kvMap(list(f, "opt")),
    IPAM: ipam,
    Internal: bool(f, "internal"),
    EnableIPv6: bool(f, "ipv6"),
    Attachable: bool(f, "attachable"),
    Ingress: bool(f, "ingress"),
    Scope: str(f, "scope") ?? "",
    ConfigOnly: bool(f, "config-only"),
    Labels: kvMap(labels),
  };
  const configFrom = str(f, "config-from") ?? "";
  if (configFrom !== "") body.ConfigFrom = { Network: configFrom };
  const client = await ctx.client();
  const r = await client.json<NetworkCreateResponse>("POST", "/networks/create", { body });
  if (r.Warning !== undefined && r.Warning !== "") ctx.err(`${r.Warning}\n`);
  ctx.out(`${r.Id}\n`);
  return 0;
}
