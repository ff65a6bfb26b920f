/**
 * `docker ps` filters that look at a container's resolved view rather than its record: network, volume,
 * publish and expose, with docker's matching rules.
 */
import type { ContainerSummary, HostConfig } from "../api/types/containers.js";
import { InvalidArgumentError } from "../errdefs/index.js";

type Filters = Record<string, string[]>;

interface PortRange {
  from: number;
  to: number;
  proto: string;
}

/** "80", "8000-8080", "53/udp" → a range; docker's wording for a bad one. */
export function parsePortFilter(v: string): PortRange {
  const [ports = "", proto = "tcp"] = v.split("/", 2);
  const m = /^(\d+)(?:-(\d+))?$/.exec(ports);
  const from = Number(m?.[1]);
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  if (!m || !(from >= 1 && from <= 65535) || !(to >= from && to <= 65535)) throw new InvalidArgumentError(`invalid range specified for ${ports}`);
  return { from, to, proto: proto.toLowerCase() };
}

function portKeysMatch(keys: Iterable<string>, wanted: readonly PortRange[]): boolean {
  for (const k of keys) {
    const [p = "", proto = "tcp"] = k.split("/", 2);
    const n = Number(p);
    if (wanted.some((w) => w.proto === proto && n >= w.from && n <= w.to)) return true;
  }
  return false;
}

/**
 * A predicate over summaries for the filters present (undefined when none is). `exposed` and
 * `hostConfig` give what the summary lacks: the image+container exposed ports and the port bindings.
 */
export function viewFilter(
  f: Filters,
): ((s: ContainerSummary, more: { exposed: Record<string, unknown> | null | undefined; hostConfig: HostConfig }) => boolean) | undefined {
  const networks = f["network"];
  const volumes = f["volume"];
  const publish = f["publish"]?.map(parsePortFilter);
  const expose = f["expose"]?.map(parsePortFilter);
  if (!networks && !volumes && !publish && !expose) return undefined;
  return (s, more) => {
    if (networks) {
      const nets = Object.entries(s.NetworkSettings?.Networks ?? {});
      const hit = networks.some((want) => nets.some(([name, ep]) => name === want || (want.length > 0 && (ep.NetworkID ?? "").startsWith(want))));
      if (!hit) return false;
    }
    if (volumes) {
      const hit = volumes.some((want) => (s.Mounts ?? []).some((m) => m.Destination === want || (m.Name !== undefined && m.Name !== "" ? m.Name === want : m.Source === want)));
      if (!hit) return false;
    }
    if (publish) {
      const bound = Object.keys(more.hostConfig.PortBindings ?? {});
      const keys = more.hostConfig.PublishAllPorts === true ? [...bound, ...Object.keys(more.exposed ?? {})] : bound;
      if (!portKeysMatch(keys, publish)) return false;
    }
    if (expose && !portKeysMatch(Object.keys(more.exposed ?? {}), expose)) return false;
    return true;
  };
}
