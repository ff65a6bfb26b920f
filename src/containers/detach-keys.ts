import { InvalidArgumentError } from "../errdefs/index.js";

/** The default detach sequence, ctrl-p,ctrl-q. */
export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);

/** Parses docker's detach-keys syntax ("ctrl-p,ctrl-q", "ctrl-x,a") into bytes. */
export function parseDetachKeys(spec: string | undefined): Buffer {
  if (spec === undefined || spec === "") return DEFAULT_DETACH_KEYS;
  const out: number[] = [];
  for (const key of spec.split(",")) {
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    if (!m || m[1] === undefined) throw new InvalidArgumentError(`Invalid detach keys (${key}) provided`);
    const c = m[1].toLowerCase();
    const code = c.charCodeAt(0);
    if (code >= 97 && code <= 122) out.push(code - 96);
    else if (c === "@") out.push(0);
    else if (c === "[") out.push(27);
    else if (c === "\\") out.push(28);
    else if (c === "]") out.push(29);
    else if (c === "^") out.push(30);
    else if (c === "_") out.push(31);
    else throw new InvalidArgumentError(`Invalid detach keys (${key}) provided`);
  }
  return Buffer.from(out);
}
