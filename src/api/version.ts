/** API version negotiation: `/vX.Y/...` prefixes, docker's bounds and messages. */
import { compareVersions } from "../util/version.js";
import { InvalidArgumentError } from "../errdefs/index.js";

export const API_VERSION = "1.44";
export const MIN_API_VERSION = "1.24";

export { compareVersions };

export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}

/** Splits `/v1.41/images/json` into {version: "1.41", path: "/images/json"}; checks the bounds. */
export function splitVersion(pathname: string): { version: string; path: string } {
  const m = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)?$/.exec(pathname);
  if (!m) return { version: API_VERSION, path: pathname };
  const version = m[1] ?? API_VERSION;
  if (compareVersions(version, API_VERSION) > 0) {
    throw new InvalidArgumentError(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new InvalidArgumentError(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  return { version, path: m[2] ?? "/" };
}
