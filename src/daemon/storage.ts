/** Opens the content store and snapshotter and sweeps leftovers of interrupted work. */
import * as path from "node:path";
import type { ContentStore } from "../content/content-store.js";
import type { Snapshotter } from "../snapshots/snapshotter.js";
import type { StateDb } from "../state/index.js";
import type { StorageDriverName } from "./config.js";
import { LocalContentStore } from "../content/index.js";
import { NativeSnapshotter, OverlaySnapshotter } from "../snapshots/index.js";

export interface Storage {
  content: ContentStore;
  snapshotter: Snapshotter;
}

export async function openStorage(dataRoot: string, driver: StorageDriverName, state: StateDb): Promise<Storage> {
  const content: ContentStore = new LocalContentStore(path.join(dataRoot, "content"));
  await content.sweep();
  const root = path.join(dataRoot, "snapshots");
  const snapshotter: Snapshotter = driver === "overlay2" ? new OverlaySnapshotter({ root, state }) : new NativeSnapshotter({ root, state });
  await snapshotter.sweep();
  return { content, snapshotter };
}
