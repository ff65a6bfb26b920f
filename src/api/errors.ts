/** The one table mapping error kinds to HTTP statuses; bodies are docker's `{"message": "..."}`. */
import { kindOf, messageOf, type ErrorKind } from "../errdefs/index.js";

export const statusOfKind: Record<ErrorKind, number> = {
  "invalid-argument": 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "not-modified": 304,
  "not-implemented": 501,
  unavailable: 503,
  canceled: 500,
  internal: 500,
};

export function httpStatusOf(err: unknown): number {
  return statusOfKind[kindOf(err)];
}

export function errorBody(err: unknown): { message: string } {
  return { message: messageOf(err) };
}
