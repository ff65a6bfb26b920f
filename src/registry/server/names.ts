import { RegistryError } from "./errors.js";

// distribution's reference grammar: path-component = [a-z0-9]+ (separator [a-z0-9]+)*, separator = [_.] | __ | -+
const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const nameRe = new RegExp(`^${component}(?:/${component})*$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Repository names: the distribution grammar, at most 255 characters; `..` and empty components never pass. */
export function isValidRepoName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && nameRe.test(name);
}

export function checkRepoName(name: string): void {
  if (!isValidRepoName(name)) throw new RegistryError("NAME_INVALID", { name });
}

export function isValidTag(tag: string): boolean {
  return tagRe.test(tag);
}

/** Digest syntax of the OCI spec (any algorithm); the store itself accepts only sha256. */
export function looksLikeDigest(s: string): boolean {
  return digestRe.test(s);
}

export function isSha256Digest(s: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(s);
}
