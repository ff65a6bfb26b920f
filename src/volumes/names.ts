import { randomBytes } from "../util/crypto.js";
import { InvalidArgumentError } from "../errdefs/index.js";

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Throws docker's error for a name the local driver refuses. */
export function validateVolumeName(name: string): void {
  if (!VALID.test(name)) {
    throw new InvalidArgumentError(
      `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** A name for an anonymous volume: 64 hex characters, as docker generates. */
export function generateVolumeName(): string {
  return randomBytes(32).toString("hex");
}

/** docker's label on anonymous volumes (prune from API 1.42 removes only these unless all=true). */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";
