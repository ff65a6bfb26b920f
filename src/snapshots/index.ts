export type { ApplyTarget, Mount, SnapshotInfo, SnapshotKind, Snapshotter, Usage } from "./snapshotter.js";
export { VOLATILE_LABEL } from "./snapshotter.js";
export type { SnapshotterOptions } from "./snapshot-base.js";
export { OverlaySnapshotter } from "./overlay/overlay-snapshotter.js";
export { NativeSnapshotter } from "./native/native-snapshotter.js";
export { copyTree } from "./native/copy-tree.js";
export { dirUsage } from "./usage.js";
