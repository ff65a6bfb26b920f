/** docker's stdcopy framing: each chunk prefixed by [stream, 0, 0, 0, length as big-endian uint32]. */

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;

export type StreamId = typeof STDIN | typeof STDOUT | typeof STDERR | typeof SYSTEMERR;

/** Largest payload per frame; longer chunks are split (docker's writer buffers 32 KiB). */
const MAX_FRAME = 32 * 1024;

/** Frames one chunk; splits payloads larger than 32 KiB into several frames. Empty input gives an empty buffer. */
export function frameChunk(stream: StreamId, data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += MAX_FRAME) {
    const slice = data.subarray(off, Math.min(off + MAX_FRAME, data.length));
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(slice.length, 4);
    parts.push(header, Buffer.from(slice.buffer, slice.byteOffset, slice.length));
  }
  return Buffer.concat(parts);
}
