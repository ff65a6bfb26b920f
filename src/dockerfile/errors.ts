import { InvalidArgumentError } from "../errdefs/index.js";

/**
 * A Dockerfile that cannot be parsed. `message` reads like BuildKit's
 * (`dockerfile parse error on line 3: unknown instruction: FOO`); `detail` is the bare reason and
 * `startLine`/`endLine` (1-based, inclusive) locate the instruction, when known.
 */
export class DockerfileParseError extends InvalidArgumentError {
  readonly detail: string;
  readonly startLine: number | undefined;
  readonly endLine: number | undefined;
  constructor(detail: string, startLine?: number, endLine?: number, options?: ErrorOptions) {
    super(startLine === undefined ? detail : `dockerfile parse error on line ${startLine}: ${detail}`, options);
    this.detail = detail;
    this.startLine = startLine;
    this.endLine = startLine === undefined ? undefined : Math.max(endLine ?? startLine, startLine);
  }
}

/** An error without a location yet; the parser adds the instruction's lines. */
export class DockerfileSyntaxError extends InvalidArgumentError {}

/** Re-throws `err` as a DockerfileParseError located at the given lines (keeps an existing location). */
export function withLocation(err: unknown, startLine: number, endLine: number): DockerfileParseError {
  if (err instanceof DockerfileParseError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DockerfileParseError(detail, startLine, endLine, { cause: err });
}
