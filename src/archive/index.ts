/** Tar codec, compression, layer apply and directory packing. */
export { ByteSource, UnexpectedEofError, toIterator, type ByteInput } from "./byte-source.js";
export { BLOCK, TYPE, decodeHeader, encodeHeader, parseNumeric, type EntryType, type RawHeader } from "./tar-format.js";
export { encodePax, parsePax, paxXattrs, XATTR_PREFIX, type PaxRecords } from "./pax.js";
export { walkTar, type TarEntry, type WalkTarOptions } from "./tar-reader.js";
export {
  END_OF_ARCHIVE,
  encodeEntry,
  encodeEntryHeaders,
  packTar,
  tarChunks,
  writeTar,
  type TarSink,
  type TarSource,
  type TarWriteEntry,
} from "./tar-writer.js";
export {
  DECOMPRESS_COMMANDS,
  compress,
  gzipAdaptive,
  isIncompressible,
  isIncompressibleAsync,
  gzipFileFast,
  COMPRESSIBILITY_SAMPLE_BYTES,
  decompress,
  sniffCompression,
  throughCommand,
  type Compression,
  type Decompressed,
} from "./compression.js";
export { dirEntries, devMajor, devMinor, packDir, type PackDirOptions } from "./pack-dir.js";
export { LayerRoot, normalizeEntryPath } from "./layer-root.js";
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, applyLayer, type ApplyOptions, type ApplyResult } from "./apply-layer.js";
export * from "./whiteouts.js";
