/** Opens the content store and snapshotter (lazily imported) and sweeps leftovers of interrupted work. */
import * as path from "node:path";
import type { ContentStore } from "../content/content-store.js";
import type { Snapshotter } from "../snapshots/snapshotter.js";
import type { StateDb } from "../state/index.js";
import type { StorageDriverName } from "./config.js";

export interface Storage {
  content: ContentStore;
  snapshotter: Snapshotter;
}

export async function openStorage(dataRoot: string, driver: StorageDriverName, state: StateDb): Promise<Storage> {
  const { LocalContentStore } = await import("../content/index.js");
  const content: ContentStore = new LocalContentStore(path.join(dataRoot, "content"));
  await content.sweep();
  const snaps = await import("../snapshots/index.js");
  const root = path.join(dataRoot, "snapshots");
  const snapshotter: Snapshotter = driver === "overlay2" ? new snaps.OverlaySnapshotter({ root, state }) : new snaps.NativeSnapshotter({ root, state });
  await snapshotter.sweep();
  return { content, snapshotter };
}
