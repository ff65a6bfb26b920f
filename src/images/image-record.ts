import type { ImageConfig } from "../oci/index.js";

/** One layer of an image, in order from the base. */
export interface LayerRecord {
  diffId: string;
  chainId: string;
  /** The blob kept in content for this layer (the uncompressed tar when digest === diffId). */
  blobDigest: string;
  mediaType: string;
  blobSize: number;
  /** Unpacked size (docker's layer DiffSize). */
  size: number;
}

/** An image as stored in state (images + image_layers + tags + digests). */
export interface ImageRecord {
  /** "sha256:<hex>" of the config blob: docker's image ID. */
  id: string;
  config: ImageConfig;
  /** The config blob's exact bytes. */
  rawConfig: string;
  manifestDigest?: string;
  manifestMediaType?: string;
  topChainId?: string;
  size: number;
  /** config.created in unix milliseconds (0 when absent). */
  created: number;
  lastTagTime?: string;
  parent?: string;
  labels: Record<string, string>;
  added: string;
  layers: LayerRecord[];
  /** Full normalised tag references ("docker.io/library/busybox:latest"). */
  tags: string[];
  /** Full normalised digest references ("docker.io/library/busybox@sha256:…"). */
  digests: string[];
}

/** What list() needs, read in one query without parsing configs. */
export interface ImageRow {
  id: string;
  parent?: string;
  created: number;
  size: number;
  labels: Record<string, string>;
  tags: string[];
  digests: string[];
  children: number;
}
