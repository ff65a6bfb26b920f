/**
 * docker's /events filters: values of one key are ORed, keys are ANDed. Keys: type, event (action,
 * also matching the part before ": " as in "exec_start: sh"), image, container, label (key or
 * key=value), scope, plus network/volume/daemon/plugin/node/service/config/secret by Actor ID or name.
 */
import type { EventMessage } from "../api/types/index.js";

export type EventFilters = Record<string, string[]>;

const byActorTypes: Record<string, string> = {
  network: "network",
  volume: "volume",
  daemon: "daemon",
  plugin: "plugin",
  node: "node",
  service: "service",
  config: "config",
  secret: "secret",
};

function actorMatches(ev: EventMessage, values: string[]): boolean {
  const name = ev.Actor.Attributes["name"];
  return values.some((v) => v === ev.Actor.ID || (ev.Actor.ID.startsWith(v) && v.length >= 12) || v === name);
}

function imageMatches(ev: EventMessage, values: string[]): boolean {
  const candidates: string[] = [];
  if (ev.Type === "image") candidates.push(ev.Actor.ID, ev.Actor.Attributes["name"] ?? "");
  const img = ev.Actor.Attributes["image"];
  if (img) candidates.push(img);
  return values.some((v) => candidates.some((c) => c !== "" && (c === v || stripTag(c) === v || c === `${v}:latest`)));
}

function stripTag(ref: string): string {
  const at = ref.indexOf("@");
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? base.slice(0, colon) : base;
}

function labelMatches(ev: EventMessage, values: string[]): boolean {
  return values.some((v) => {
    const eq = v.indexOf("=");
    if (eq < 0) return v in ev.Actor.Attributes;
    return ev.Actor.Attributes[v.slice(0, eq)] === v.slice(eq + 1);
  });
}

export function matchesEventFilters(ev: EventMessage, filters: EventFilters): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    let ok: boolean;
    switch (key) {
      case "type":
        ok = values.includes(ev.Type);
        break;
      case "event":
        ok = values.some((v) => v === ev.Action || ev.Action.startsWith(`${v}: `));
        break;
      case "image":
        ok = imageMatches(ev, values);
        break;
      case "container":
        ok = ev.Type === "container" && actorMatches(ev, values);
        break;
      case "label":
        ok = labelMatches(ev, values);
        break;
      case "scope":
        ok = values.includes(ev.scope);
        break;
      default: {
        const t = byActorTypes[key];
        ok = t !== undefined && ev.Type === t && actorMatches(ev, values);
      }
    }
    if (!ok) return false;
  }
  return true;
}
