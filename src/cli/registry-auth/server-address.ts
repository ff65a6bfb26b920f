/** docker's keys for credentials: Docker Hub's index URL, or host[:port] for any other registry. */

/** The key docker uses for Docker Hub (registry.IndexServer). */
export const INDEX_SERVER = "https://index.docker.io/v1/";
/** `docker login docker.io` means Docker Hub (registry.DefaultNamespace). */
export const DEFAULT_NAMESPACE = "docker.io";

/** getAuthConfigKey: the credentials key for a reference's domain. */
export function authConfigKey(domain: string): string {
  return domain === "docker.io" || domain === "index.docker.io" ? INDEX_SERVER : domain;
}

/** credentials.ConvertToHostname: "https://host:5000/v2/" → "host:5000"; "host/path" → "host". */
export function convertToHostname(maybeURL: string): string {
  if (maybeURL.includes("://")) {
    try {
      const u = new URL(maybeURL);
      const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
      if (host !== "") {
        const port = u.port !== "" ? u.port : explicitDefaultPort(maybeURL);
        if (port === "") return host;
        return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      }
    } catch {
      // fall through to the plain split, as docker does when url.Parse fails
    }
  }
  return maybeURL.split("/")[0] ?? "";
}

/** WHATWG URL drops a default port ("https://h:443"); Go keeps it. */
function explicitDefaultPort(s: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*):(\d+)/.exec(s);
  return m?.[2] ?? "";
}
