export type { ApplyTarget, Mount, SnapshotInfo, SnapshotKind, Snapshotter, Usage } from "./snapshotter.js";
export { OverlaySnapshotter } from "./overlay/overlay-snapshotter.js";
export { NativeSnapshotter } from "./native/native-snapshotter.js";
export { dirUsage } from "./usage.js";
