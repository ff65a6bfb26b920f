import { Transform, pipeline, type Readable } from "node:stream";
import { decompress, toIterator, type ByteInput } from "../archive/index.js";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { Compression } from "../oci/index.js";

/**
 * Expansion budget for compressed input from outside (layers, archives, imports): once more than
 * `floorBytes` have come out, the output may be at most `maxRatio` times the compressed input. Real
 * layers compress 2–10×; gzip of zeros reaches about 1000×. This stops decompression bombs early
 * without limiting large honest layers.
 */
export const expansionLimits = { maxRatio: 250, floorBytes: 512 * 1024 * 1024 };

/** decompress() with the expansion budget applied; `what` names the input in the error. */
export async function decompressGuarded(
  input: ByteInput,
  what: string,
  limits = expansionLimits,
): Promise<{ compression: Compression; stream: Readable }> {
  let inBytes = 0;
  const source = toIterator(input);
  async function* counted(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const r = await source.next();
        if (r.done) return;
        const chunk = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
        inBytes += chunk.length;
        yield chunk;
      }
    } finally {
      await source.return?.(); // a consumer that stops early releases the input too
    }
  }
  const d = await decompress(counted());
  if (d.compression === "none") return d;
  let outBytes = 0;
  const guard = new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb) {
      outBytes += chunk.length;
      if (outBytes > limits.floorBytes && outBytes > limits.maxRatio * Math.max(inBytes, 1)) {
        cb(
          new InvalidArgumentError(
            `${what}: refusing to decompress: ${outBytes} bytes came out of ${inBytes} compressed bytes ` +
              `(more than ${limits.maxRatio}× — a decompression bomb?)`,
          ),
        );
        return;
      }
      cb(null, chunk);
    },
  });
  pipeline(d.stream, guard, () => undefined);
  // Consumers read errors through iteration; this listener only keeps a late one from being unhandled.
  guard.on("error", () => undefined);
  return { compression: d.compression, stream: guard };
}
