/**
 * docker's /events filters (moby daemon/events/filter.go): values of one key are ORed, keys are
 * ANDed, except `label`, whose values must all match. `type` and `scope` match exactly; `event`
 * exactly (by prefix for health_status, exec_create and exec_start, whose actions carry a suffix);
 * container, network, volume, daemon, plugin, node, service, secret and config match the actor's
 * ID or `name` attribute exactly or by prefix; `image` matches the actor ID or image name, with or
 * without its tag.
 */
import { InvalidArgumentError } from "../errdefs/index.js";
import type { EventMessage } from "../api/types/index.js";

export type EventFilters = Record<string, string[]>;

const FUZZY_NAME_KEYS = ["container", "network", "volume", "daemon", "plugin", "node", "service", "secret", "config"] as const;
export const EVENT_FILTER_KEYS: readonly string[] = [...FUZZY_NAME_KEYS, "event", "image", "label", "scope", "type"].sort();
const PREFIX_EVENTS = new Set(["health_status", "exec_create", "exec_start"]);

/** Throws InvalidArgumentError (docker's "invalid filter 'x'") for a key /events does not accept. */
export function validateEventFilters(filters: EventFilters): void {
  for (const key of Object.keys(filters)) {
    if (!EVENT_FILTER_KEYS.includes(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
  }
}

function exact(values: string[] | undefined, source: string): boolean {
  return values === undefined || values.length === 0 || values.includes(source);
}

function fuzzy(values: string[] | undefined, source: string): boolean {
  if (exact(values, source)) return true;
  return (values ?? []).some((prefix) => source.startsWith(prefix));
}

/** The familiar name without tag or digest: "docker.io/library/busybox:1" → "busybox". */
function stripTag(ref: string): string {
  let name = ref;
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) name = name.slice(0, colon);
  if (name.startsWith("docker.io/")) name = name.slice("docker.io/".length);
  if (name.startsWith("library/") && name.split("/").length === 2) name = name.slice("library/".length);
  return name;
}

function matchEvent(ev: EventMessage, values: string[] | undefined): boolean {
  if (values?.some((v) => PREFIX_EVENTS.has(v))) return fuzzy(values, ev.Action);
  return exact(values, ev.Action);
}

function matchImage(ev: EventMessage, values: string[] | undefined): boolean {
  if (values === undefined || values.length === 0) return true;
  const id = ev.Actor.ID;
  const name = ev.Actor.Attributes[ev.Type === "image" ? "name" : "image"] ?? "";
  return values.includes(id) || values.includes(name) || values.includes(stripTag(id)) || (name !== "" && values.includes(stripTag(name)));
}

function matchLabels(attrs: Record<string, string>, values: string[] | undefined): boolean {
  if (values === undefined || values.length === 0) return true;
  return values.every((v) => {
    const eq = v.indexOf("=");
    const key = eq < 0 ? v : v.slice(0, eq);
    if (!Object.hasOwn(attrs, key)) return false;
    return eq < 0 || attrs[key] === v.slice(eq + 1);
  });
}

export function matchesEventFilters(ev: EventMessage, filters: EventFilters): boolean {
  if (!matchEvent(ev, filters["event"])) return false;
  if (!exact(filters["type"], ev.Type)) return false;
  if (!exact(filters["scope"], ev.scope)) return false;
  for (const key of FUZZY_NAME_KEYS) {
    const values = filters[key];
    if (values === undefined || values.length === 0) continue;
    if (!fuzzy(values, ev.Actor.ID) && !fuzzy(values, ev.Actor.Attributes["name"] ?? "")) return false;
  }
  return matchImage(ev, filters["image"]) && matchLabels(ev.Actor.Attributes, filters["label"]);
}
