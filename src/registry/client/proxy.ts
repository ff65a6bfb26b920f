/** Proxy selection (HTTP_PROXY / HTTPS_PROXY / NO_PROXY semantics, as Go's httpproxy does). */
import { hostName, ipv4ToInt } from "./endpoints.js";

export interface ProxySettings {
  http?: string;
  https?: string;
  noProxy?: string;
}

export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const out: ProxySettings = {};
  const http = env["HTTP_PROXY"] ?? env["http_proxy"];
  const https = env["HTTPS_PROXY"] ?? env["https_proxy"];
  const no = env["NO_PROXY"] ?? env["no_proxy"];
  if (http) out.http = http;
  if (https) out.https = https;
  if (no) out.noProxy = no;
  return out;
}

function bypass(hostPort: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostName(hostPort).toLowerCase();
  const ip = ipv4ToInt(host);
  for (const raw of noProxy.split(",")) {
    const e = raw.trim().toLowerCase();
    if (e === "") continue;
    if (e === "*") return true;
    if (e.includes("/")) {
      const [base, bitsStr] = e.split("/");
      const b = ipv4ToInt(base ?? "");
      const bits = Number(bitsStr);
      if (ip !== undefined && b !== undefined && bits >= 0 && bits <= 32) {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        if (((ip & mask) >>> 0) === ((b & mask) >>> 0)) return true;
      }
      continue;
    }
    const withPort = /:[0-9]+$/.test(e) && !e.startsWith("[");
    if (withPort) {
      if (e === hostPort.toLowerCase()) return true;
      continue;
    }
    const name = e.startsWith(".") ? e.slice(1) : e.startsWith("*.") ? e.slice(2) : e;
    if (host === name || host.endsWith("." + name)) return true;
  }
  return false;
}

/** The proxy URL for a request URL, or undefined to connect directly. */
export function proxyFor(url: URL, settings: ProxySettings): string | undefined {
  const p = url.protocol === "https:" ? settings.https : settings.http;
  if (!p) return undefined;
  if (bypass(url.host, settings.noProxy)) return undefined;
  return p;
}
