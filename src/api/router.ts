/**
 * A small router: routes are (method, anchored regex over the unversioned path) → handler. Capture
 * groups become `params` (URL-decoded). A route may also carry an `upgrade` handler for hijacked
 * connections (attach/exec, `Upgrade: tcp`); server.ts dispatches node's 'upgrade' event to it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { RequestContext } from "./backend.js";

export interface ApiRequest {
  raw: IncomingMessage;
  method: string;
  /** The path without the `/vX.Y` prefix. */
  path: string;
  params: string[];
  query: URLSearchParams;
  ctx: RequestContext;
}

export type Handler = (req: ApiRequest, res: ServerResponse) => Promise<void>;
export type UpgradeHandler = (req: ApiRequest, socket: Duplex, head: Buffer) => Promise<void>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  upgrade?: UpgradeHandler;
}

export type RouteMatch = { route: Route; params: string[] } | { route: undefined; methodMismatch: boolean };

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string | RegExp, handler: Handler, upgrade?: UpgradeHandler): this {
    const re = typeof pattern === "string" ? new RegExp(`^${pattern}$`) : pattern;
    const route: Route = { method: method.toUpperCase(), pattern: re, handler };
    if (upgrade) route.upgrade = upgrade;
    this.routes.push(route);
    if (method.toUpperCase() === "GET") this.routes.push({ ...route, method: "HEAD" });
    return this;
  }
  get(p: string | RegExp, h: Handler): this {
    return this.add("GET", p, h);
  }
  post(p: string | RegExp, h: Handler, upgrade?: UpgradeHandler): this {
    return this.add("POST", p, h, upgrade);
  }
  delete(p: string | RegExp, h: Handler): this {
    return this.add("DELETE", p, h);
  }

  match(method: string, path: string): RouteMatch {
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route, params: m.slice(1).map((s) => safeDecode(s ?? "")) };
    }
    return { route: undefined, methodMismatch };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
