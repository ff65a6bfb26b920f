/**
 * docker login: GET /v2/ anonymously; on a Basic challenge retry with the credentials (a second 401 is
 * docker's "login attempt to <url>/v2/ failed with status: 401 Unauthorized"); on a Bearer challenge the
 * token service checks the credentials (asking for a refresh token, which becomes the identity token).
 */
import { UnauthorizedError } from "../../errdefs/index.js";
import type { Authorizer } from "./auth.js";
import { errorForStatus, registryErrorMessage, statusLine } from "./registry-errors.js";
import type { Session } from "./session.js";

export async function login(session: Session, authorizer: Authorizer, base: string, signal?: AbortSignal): Promise<{ status: string; identityToken?: string }> {
  const url = `${base}/v2/`;
  let res;
  try {
    res = await session.call({ method: "GET", url, signal });
  } catch (e) {
    // the token service refused the credentials: docker names the request that needed the token
    if (e instanceof UnauthorizedError && !e.message.startsWith("Get ")) throw new UnauthorizedError(`Get "${url}": ${e.message}`);
    throw e;
  }
  const text = await res.text().catch(() => "");
  const host = new URL(url).host;
  if (res.status === 401) {
    const ch = authorizer.challengeFor(host);
    if (ch?.scheme === "bearer") throw new UnauthorizedError(`Get "${url}": ${registryErrorMessage(text, 401) ?? "unauthorized: incorrect username or password"}`);
    throw new UnauthorizedError(`login attempt to ${new URL("/v2/", res.url).href} failed with status: ${statusLine(401)}`);
  }
  if (res.status !== 200) throw errorForStatus(res.status, text);
  const out: { status: string; identityToken?: string } = { status: "Login Succeeded" };
  if (authorizer.refreshToken !== undefined) out.identityToken = authorizer.refreshToken;
  return out;
}
