// The snapshotter conformance suite without mounts (no root needed); test/root/snapshots-*.test.ts run it with mounts.
import { NativeSnapshotter } from "./native/native-snapshotter.js";
import { OverlaySnapshotter } from "./overlay/overlay-snapshotter.js";
import { snapshotterSuite } from "./testsuite.js";

snapshotterSuite("overlayfs", (o) => new OverlaySnapshotter(o), { mounts: false });
snapshotterSuite("native", (o) => new NativeSnapshotter(o), { mounts: false });
