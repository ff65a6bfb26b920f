export const MediaTypes = {
  ociDescriptor: "application/vnd.oci.descriptor.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNonDistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociLayerNonDistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifestV1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerManifestV1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayerForeign: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

/** Compression named by a layer media type (undefined when the media type is not a layer). */
export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaTypes.ociLayer:
    case MediaTypes.ociLayerNonDistributable:
    case MediaTypes.dockerLayer:
      return "none";
    case MediaTypes.ociLayerGzip:
    case MediaTypes.ociLayerNonDistributableGzip:
    case MediaTypes.dockerLayerGzip:
    case MediaTypes.dockerLayerForeign:
      return "gzip";
    case MediaTypes.ociLayerZstd:
      return "zstd";
    default:
      return undefined;
  }
}
