/** Schema 1 manifests are refused, as docker 26+ does by default; this is docker's notice. */
export const SCHEMA1_MEDIA_TYPES: readonly string[] = [
  "application/vnd.docker.distribution.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
];

/** docker's deprecation notice naming the image (e.g. "docker.io/library/busybox:1.0"). */
export function schema1Message(name: string): string {
  return (
    "[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support is disabled by default " +
    `and will be removed in an upcoming release. Suggest the author of ${name} to upgrade the image to the OCI Format or ` +
    "Docker Image manifest v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/"
  );
}

export function isSchema1(mediaType: string | undefined, body: unknown): boolean {
  if (mediaType !== undefined && SCHEMA1_MEDIA_TYPES.includes(mediaType)) return true;
  return !!body && typeof body === "object" && (body as { schemaVersion?: unknown }).schemaVersion === 1;
}
