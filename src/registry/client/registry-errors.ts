/**
 * The registry's error bodies, formatted as docker formats them: distribution's
 * `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}` becomes
 * "unauthorized: authentication required"; a token service's `{"details":"…"}` becomes "unauthorized: …".
 */
import { ForbiddenError, InvalidArgumentError, NotFoundError, UnauthorizedError, UnavailableError, type BerthError } from "../../errdefs/index.js";

interface ErrorEntry {
  code?: unknown;
  message?: unknown;
}

function codeText(code: string): string {
  return code.replace(/_/g, " ").toLowerCase();
}

/** docker's text for a registry error body, or undefined when the body carries none. */
export function registryErrorMessage(body: string, status: number): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  const obj = parsed as { errors?: unknown; details?: unknown; detail?: unknown; error?: unknown; error_description?: unknown };
  if (Array.isArray(obj.errors) && obj.errors.length > 0) {
    const parts = (obj.errors as ErrorEntry[]).map((e) => {
      const code = typeof e.code === "string" ? codeText(e.code) : "unknown";
      const msg = typeof e.message === "string" && e.message !== "" ? e.message : code;
      return `${code}: ${msg}`;
    });
    return parts.length === 1 ? parts[0] : `errors:\n${parts.join("\n")}\n`;
  }
  const details = [obj.details, obj.detail, obj.error_description, obj.error].find((v): v is string => typeof v === "string" && v !== "");
  if (details !== undefined) return status === 401 ? `unauthorized: ${details}` : details;
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Request Entity Too Large",
  416: "Requested Range Not Satisfiable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? ""}`.trim();
}

/** The errdefs error for an unexpected status (after retries). `notFound` overrides the 404 text. */
export function errorForStatus(status: number, body: string, notFound?: string): BerthError {
  const msg = registryErrorMessage(body, status);
  if (status === 401) return new UnauthorizedError(msg ?? "unauthorized: authentication required");
  if (status === 403) return new ForbiddenError(msg ?? "denied: requested access to the resource is denied");
  if (status === 404) return new NotFoundError(notFound !== undefined ? `${notFound}${msg ? `: ${msg}` : ""}` : (msg ?? "not found"));
  if (status === 429 || status >= 500) return new UnavailableError(msg ?? `received unexpected HTTP status: ${statusLine(status)}`);
  return new InvalidArgumentError(msg ?? `received unexpected HTTP status: ${statusLine(status)}`);
}
