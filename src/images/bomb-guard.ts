import { PassThrough, Transform, pipeline, type Readable } from "node:stream";
import { decompress, type ByteInput } from "../archive/index.js";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { Compression } from "../oci/index.js";

/**
 * Expansion budget for compressed input from outside (layers, archives, imports): once more than
 * `floorBytes` have come out, the output may be at most `maxRatio` times the compressed input. Real
 * layers compress 2–10×; gzip of zeros reaches about 1000×. This stops decompression bombs early
 * without limiting large honest layers.
 */
export const expansionLimits = { maxRatio: 250, floorBytes: 512 * 1024 * 1024 };

function toStream(input: ByteInput): Readable {
  const pt = new PassThrough({ highWaterMark: 1 << 20 });
  void (async () => {
    try {
      if (input instanceof Uint8Array) pt.end(input);
      else {
        for await (const c of input as AsyncIterable<Uint8Array | string>) {
          if (!pt.write(c)) await new Promise((r) => pt.once("drain", r));
        }
        pt.end();
      }
    } catch (err) {
      pt.destroy(err as Error);
    }
  })();
  return pt;
}

/** decompress() with the expansion budget applied; `what` names the input in the error. */
export async function decompressGuarded(
  input: ByteInput,
  what: string,
  limits = expansionLimits,
): Promise<{ compression: Compression; stream: Readable }> {
  let inBytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      inBytes += chunk.length;
      cb(null, chunk);
    },
  });
  // pipeline observes every stream's errors: an error must never be an unhandled 'error' event.
  pipeline(toStream(input), counted, () => undefined);
  const d = await decompress(counted);
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
