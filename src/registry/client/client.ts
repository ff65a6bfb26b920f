/** createRegistryClient: the options resolved once, one Transport (connection pools) and auth state. */
import { AuthState, Authorizer } from "./auth.js";
import type { RepoContext } from "./context.js";
import { apiHost } from "./endpoints.js";
import { login } from "./login.js";
import { proxyFromEnv } from "./proxy.js";
import { RegistryRepository } from "./repository.js";
import { DEFAULT_RETRY } from "./retry.js";
import { Session } from "./session.js";
import { DEFAULT_CERTS_DIRS } from "./tls.js";
import { Transport, notAllowed } from "./transport.js";
import type { AuthConfig, RegistryClient, RegistryClientOptions, Repository, RepositoryRef } from "./types.js";

export function createRegistryClient(opts: RegistryClientOptions = {}): RegistryClient {
  const allowed = opts.allowed ?? ((): boolean => true);
  const retry = opts.retry ?? DEFAULT_RETRY;
  const log = opts.log;
  const transport = new Transport({
    allowed: (host) => allowed(host) || (apiHost("docker.io") === host && allowed("docker.io")),
    insecureRegistries: opts.insecureRegistries ?? [],
    certsDirs: opts.certsDirs ?? DEFAULT_CERTS_DIRS,
    proxy: opts.proxy ?? proxyFromEnv(),
    userAgent: opts.userAgent ?? "berth",
    stallTimeoutMs: opts.stallTimeoutMs ?? 60_000,
    log,
  });
  const state = new AuthState();
  const deps = { transport, state, retry, log };
  const baseOf = (host: string): string => `https://${apiHost(host)}`;

  return {
    repository(ref: RepositoryRef, auth: AuthConfig | undefined, actions: "pull" | "pull,push"): Repository {
      if (!allowed(ref.host)) throw notAllowed(ref.host);
      const authorizer = new Authorizer(deps, auth, `repository:${ref.path}:${actions}`);
      const mirrors = actions === "pull" ? (opts.mirrors?.[ref.host] ?? []) : [];
      const ctx: RepoContext = {
        ref,
        session: new Session(transport, authorizer, retry, log),
        registryBase: baseOf(ref.host),
        mirrorBases: mirrors.map((m) => m.replace(/\/+$/, "")),
        log,
      };
      return new RegistryRepository(ctx, retry);
    },
    async login(host: string, auth: AuthConfig, lopts?: { signal?: AbortSignal }): Promise<{ status: string; identityToken?: string }> {
      if (!allowed(host)) throw notAllowed(host);
      const authorizer = new Authorizer(deps, auth, undefined, true);
      return login(new Session(transport, authorizer, retry, log), authorizer, baseOf(host), lopts?.signal);
    },
    close(): Promise<void> {
      return transport.close();
    },
  };
}
