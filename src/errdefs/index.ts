/**
 * Error kinds. Every error that crosses a subsystem boundary is a BerthError (or wraps one through
 * `cause`). Edges (api/, registry/server, cli/) map kinds to their wire protocol in one table each;
 * nothing below the edges knows about HTTP.
 */
export type ErrorKind =
  | "invalid-argument"
  | "not-found"
  | "conflict"
  | "not-modified"
  | "unauthorized"
  | "forbidden"
  | "not-implemented"
  | "unavailable"
  | "canceled"
  | "internal";

export class BerthError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid-argument", message, options);
  }
}
export class NotFoundError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("not-found", message, options);
  }
}
export class ConflictError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("conflict", message, options);
  }
}
export class NotModifiedError extends BerthError {
  constructor(message = "not modified", options?: ErrorOptions) {
    super("not-modified", message, options);
  }
}
export class UnauthorizedError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("unauthorized", message, options);
  }
}
export class ForbiddenError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("forbidden", message, options);
  }
}
export class NotImplementedError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("not-implemented", message, options);
  }
}
export class UnavailableError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("unavailable", message, options);
  }
}
export class CanceledError extends BerthError {
  constructor(message = "context canceled", options?: ErrorOptions) {
    super("canceled", message, options);
  }
}
export class InternalError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super("internal", message, options);
  }
}

/** Domain errors: a domain error subclasses a kind. Messages use docker's wording. */
export class NoSuchImageError extends NotFoundError {
  constructor(readonly ref: string) {
    super(`No such image: ${ref}`);
  }
}
export class NoSuchContainerError extends NotFoundError {
  constructor(readonly ref: string) {
    super(`No such container: ${ref}`);
  }
}
export class DigestMismatchError extends InvalidArgumentError {
  constructor(readonly expected: string, readonly actual: string) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
  }
}

/** Follows `.cause` chains and AggregateErrors to the first BerthError and returns its kind. */
export function kindOf(err: unknown): ErrorKind {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === "object" && !seen.has(cur)) {
    seen.add(cur);
    if (cur instanceof BerthError) return cur.kind;
    if (cur instanceof Error && cur.name === "AbortError") return "canceled";
    if (cur instanceof AggregateError && cur.errors.length > 0) {
      cur = cur.errors[0];
      continue;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return "internal";
}

export function isKind(err: unknown, kind: ErrorKind): boolean {
  return kindOf(err) === kind;
}
export const isNotFound = (e: unknown): boolean => isKind(e, "not-found");
export const isConflict = (e: unknown): boolean => isKind(e, "conflict");
export const isInvalidArgument = (e: unknown): boolean => isKind(e, "invalid-argument");

/** The message of the outermost BerthError, else the error's own message. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An errno-carrying Node error (ENOENT, EEXIST...). */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err) {
    const c = (err as { code?: unknown }).code;
    return typeof c === "string" ? c : undefined;
  }
  return undefined;
}
