import { PassThrough, type Readable } from "node:stream";
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

/** Passes stdin through until the detach key sequence appears; then ends the stream and fires `detached`. */
export function detachFilter(input: Readable, keys: Buffer): { stream: Readable; detached: AbortSignal } {
  const ac = new AbortController();
  const out = new PassThrough();
  let matched = 0;
  let done = false;
  input.on("data", (c: Buffer) => {
    if (done) return;
    if (keys.length === 0) {
      out.write(c);
      return;
    }
    const pass: number[] = [];
    for (const b of c) {
      if (b === keys[matched]) {
        matched++;
        if (matched === keys.length) {
          if (pass.length > 0) out.write(Buffer.from(pass));
          done = true;
          ac.abort();
          out.end();
          return;
        }
        continue;
      }
      if (matched > 0) pass.push(...keys.subarray(0, matched));
      matched = 0;
      pass.push(b);
    }
    if (pass.length > 0) out.write(Buffer.from(pass));
  });
  input.on("end", () => out.end());
  input.on("error", () => out.end());
  // the route may have paused the socket (reading the start body off it): flow again
  input.resume();
  return { stream: out, detached: ac.signal };
}

/** Aborts when either signal does. */
export function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const ac = new AbortController();
  const fire = (): void => ac.abort();
  if (a.aborted || b.aborted) ac.abort();
  a.addEventListener("abort", fire, { once: true });
  b.addEventListener("abort", fire, { once: true });
  return ac.signal;
}
