import { NativeSnapshotter } from "../../src/snapshots/index.js";
import { snapshotterSuite } from "../../src/snapshots/testsuite.js";

snapshotterSuite("native", (o) => new NativeSnapshotter(o));
