import type { CliContext } from "../context.js";
import { int, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { splitSlice } from "./network-ipam.js";
import { kvMap } from "./volume-kv.js";

export const flags: FlagSpec[] = [
  { long: "alias", type: "stringArray", valueName: "strings", usage: "Add network-scoped alias for the container" },
  { long: "driver-opt", type: "stringArray", valueName: "strings", usage: "driver options for the network" },
  { long: "gw-priority", type: "int", valueName: "int", usage: "Highest gw-priority provides the default gateway. Accepts positive and negative values." },
  { long: "ip", type: "string", valueName: "string", usage: 'IPv4 address (e.g., "172.30.100.104")' },
  { long: "ip6", type: "string", valueName: "string", usage: 'IPv6 address (e.g., "2001:db8::33")' },
  { long: "link", type: "stringArray", valueName: "list", usage: "Add link to another container" },
  { long: "link-local-ip", type: "stringArray", valueName: "strings", usage: "Add a link-local address for the container" },
];
export const args: ArgRule = { kind: "exact", n: 2 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const [network = "", container = ""] = argv;
  const ipv4 = str(f, "ip") ?? "";
  const ipv6 = str(f, "ip6") ?? "";
  const linkLocal = splitSlice(list(f, "link-local-ip"));
  const endpoint: Record<string, unknown> = {
    Links: list(f, "link"),
    Aliases: splitSlice(list(f, "alias")),
    DriverOpts: kvMap(splitSlice(list(f, "driver-opt"))),
    GwPriority: int(f, "gw-priority") ?? 0,
  };
  if (ipv4 !== "" || ipv6 !== "" || linkLocal.length > 0) endpoint["IPAMConfig"] = { IPv4Address: ipv4, IPv6Address: ipv6, LinkLocalIPs: linkLocal };
  const client = await ctx.client();
  await client.json("POST", `/networks/${encodeURIComponent(network)}/connect`, { body: { Container: container, EndpointConfig: endpoint } });
  return 0;
}
