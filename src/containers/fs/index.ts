/** Filesystem operations on a container's rootfs: cp (archive API), diff, export. */
export type { ContainerFs } from "./types.js";
export { resolveInRoot, type Resolved } from "./resolve-in-root.js";
export { goFileMode, statPath } from "./path-stat.js";
export { getArchive, putArchive, type PutArchiveOptions } from "./archive.js";
export { changes, diffTar, exportRootfs } from "./changes.js";
export { EMPTY_TAR_DIGEST, commitContainer, type CommitOptions } from "./commit.js";
