/** Splits a docker multiplexed stream (8-byte headers) back into stdout and stderr chunks. */

export interface DemuxSinks {
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
}

/** Incremental demuxer: feed it raw socket chunks in any sizes. Stream 3 (system error) throws docker's message. */
export class StdcopyDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sinks: DemuxSinks) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const stream = this.pending[0];
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) return;
      const payload = this.pending.subarray(8, 8 + len);
      this.pending = this.pending.subarray(8 + len);
      if (stream === 0 || stream === 1) this.sinks.stdout(payload);
      else if (stream === 2) this.sinks.stderr(payload);
      else if (stream === 3) throw new Error(`error from daemon in stream: ${payload.toString("utf8")}`);
      else throw new Error(`Unrecognized input header: ${String(stream)}`);
    }
  }

  /** Bytes received but not yet a whole frame (non-zero at end of stream means truncation). */
  get buffered(): number {
    return this.pending.length;
  }
}
