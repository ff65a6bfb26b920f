import { randomBytes } from "../../util/crypto.js";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** 26 random base32 characters (130 bits): the name of a snapshot's link in <root>/l/. */
export function shortId(): string {
  let s = "";
  for (const b of randomBytes(26)) s += alphabet[b & 31];
  return s;
}

export const shortIdRe = /^[A-Z2-7]{26}$/;
