import { BerthError } from "../../errdefs/index.js";

/**
 * distribution's error codes (registry/api/errcode and registry/api/v2/errors.go): the JSON body is
 * {"errors":[{"code","message","detail"}]} and each code has a fixed HTTP status.
 */
export const errorCodes = {
  BLOB_UNKNOWN: { status: 404, message: "blob unknown to registry" },
  BLOB_UPLOAD_INVALID: { status: 400, message: "blob upload invalid" },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: "blob upload unknown to registry" },
  DIGEST_INVALID: { status: 400, message: "provided digest did not match uploaded content" },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: "blob unknown to registry" },
  MANIFEST_INVALID: { status: 400, message: "manifest invalid" },
  MANIFEST_UNKNOWN: { status: 404, message: "manifest unknown" },
  NAME_INVALID: { status: 400, message: "invalid repository name" },
  NAME_UNKNOWN: { status: 404, message: "repository name not known to registry" },
  SIZE_INVALID: { status: 400, message: "provided length did not match content length" },
  TAG_INVALID: { status: 400, message: "manifest tag did not match URI" },
  PAGINATION_NUMBER_INVALID: { status: 400, message: "invalid number of results requested" },
  RANGE_INVALID: { status: 416, message: "invalid content range" },
  UNAUTHORIZED: { status: 401, message: "authentication required" },
  DENIED: { status: 403, message: "requested access to the resource is denied" },
  UNSUPPORTED: { status: 405, message: "The operation is unsupported." },
  TOOMANYREQUESTS: { status: 429, message: "too many requests" },
  UNKNOWN: { status: 500, message: "unknown error" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** An error that goes on the wire as one entry of distribution's error body. */
export class RegistryError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: unknown,
    message?: string,
    /** Extra response headers (e.g. WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? errorCodes[code].message);
    this.status = errorCodes[code].status;
  }

  body(): string {
    const e: { code: string; message: string; detail?: unknown } = { code: this.code, message: this.message };
    if (this.detail !== undefined) e.detail = this.detail;
    return JSON.stringify({ errors: [e] });
  }
}

/** Maps anything thrown to a RegistryError: berth's error kinds by one table, the rest as UNKNOWN. */
export function toRegistryError(err: unknown): RegistryError {
  if (err instanceof RegistryError) return err;
  if (err instanceof BerthError) {
    switch (err.kind) {
      case "invalid-argument":
        return new RegistryError("BLOB_UPLOAD_INVALID", err.message);
      case "not-found":
        return new RegistryError("BLOB_UNKNOWN", err.message);
      case "unauthorized":
        return new RegistryError("UNAUTHORIZED", err.message);
      case "forbidden":
        return new RegistryError("DENIED", err.message);
      case "not-implemented":
        return new RegistryError("UNSUPPORTED", err.message);
      default:
        break;
    }
  }
  return new RegistryError("UNKNOWN", err instanceof Error ? err.message : String(err));
}
