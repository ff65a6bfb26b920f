/**
 * The classic builder's output, as JSON messages: step lines, ` ---> <id>`, RUN output, the final
 * aux ID. With `quiet` everything is held back: shown only if the build fails (as moby's
 * notVerboseBuffer), while the route prints the final id.
 */
import { BerthError } from "../errdefs/index.js";

export interface BuildMessage {
  stream?: string;
  aux?: unknown;
}

export type BuildProgress = (msg: BuildMessage) => void;

/** A RUN that exited non-zero: docker's message, and the exit code as the error's code. */
export class BuildRunError extends BerthError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super("invalid-argument", message);
    this.exitCode = exitCode;
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

export class BuildOutput {
  private held: BuildMessage[] = [];
  constructor(private readonly sink: BuildProgress, private readonly quiet: boolean) {}

  private send(msg: BuildMessage): void {
    if (this.quiet) this.held.push(msg);
    else this.sink(msg);
  }

  /** A message as is (held when quiet). */
  forward(msg: BuildMessage): void {
    this.send(msg);
  }

  line(text: string): void {
    this.send({ stream: text.endsWith("\n") ? text : `${text}\n` });
  }

  /** Raw process output (kept as chunks, as moby streams them). */
  raw(chunk: Buffer): void {
    if (chunk.length > 0) this.send({ stream: chunk.toString("utf8") });
  }

  /** Sent even when quiet. */
  aux(value: unknown): void {
    this.sink({ aux: value });
  }

  always(text: string): void {
    this.sink({ stream: text });
  }

  /** On failure in quiet mode: what was held back, so the user sees the failing step's output. */
  flushHeld(): void {
    const held = this.held;
    this.held = [];
    for (const m of held) this.sink(m);
  }
}

/**
 * Output of stages that run at the same time, shown in stage order: the first unfinished stage
 * writes live, later ones are held until every stage before them has finished.
 */
export class StageOutputGate {
  private head = 0;
  private readonly held: BuildMessage[][];
  private readonly done: boolean[];

  constructor(private readonly count: number, private readonly sink: BuildProgress) {
    this.held = Array.from({ length: count }, () => []);
    this.done = Array.from({ length: count }, () => false);
  }

  /** The sink for the k-th stage (in run order). */
  sinkFor(k: number): BuildProgress {
    return (m) => {
      if (k === this.head) this.sink(m);
      else this.held[k]?.push(m);
    };
  }

  finish(k: number): void {
    this.done[k] = true;
    while (this.head < this.count && this.done[this.head]) {
      this.head++;
      this.flush(this.head);
    }
  }

  /** Everything still held, in order (a failed build shows what the other stages printed). */
  flushAll(): void {
    for (let k = this.head; k < this.count; k++) this.flush(k);
    this.head = this.count;
  }

  private flush(k: number): void {
    const list = this.held[k];
    if (!list) return;
    this.held[k] = [];
    for (const m of list) this.sink(m);
  }
}
