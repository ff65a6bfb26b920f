/** The shared internals every image operation works with (built once by ImageService). */
import type { ContentStore } from "../content/content-store.js";
import type { StateDb } from "../state/index.js";
import type { Snapshotter } from "../snapshots/snapshotter.js";
import type { Logger } from "../util/index.js";
import type { ImageStore } from "./image-store.js";
import type { LeaseManager } from "./leases.js";
import type { RwLock } from "./rw-lock.js";

/** docker's image event actions. */
export type ImageEventAction = "tag" | "untag" | "delete" | "import" | "load" | "save" | "pull" | "push";

export type EmitFn = (type: "image", action: ImageEventAction, id: string, attributes: Record<string, string>) => void;

/** A container using an image (for rmi conflicts); supplied by containers/ later. */
export interface ImageUse {
  containerId: string;
  running: boolean;
}

export interface ImageCore {
  state: StateDb;
  store: ImageStore;
  leases: LeaseManager;
  content: ContentStore;
  snapshotter: Snapshotter;
  log: Logger;
  lock: RwLock;
  platform: { os: string; architecture: string; variant?: string };
  /** Emits an image event with docker's attributes (image labels + name). */
  emitImage(action: ImageEventAction, id: string, name: string, labels?: Record<string, string>): void;
  /** First container using the image, running ones first. */
  inUse(imageId: string): ImageUse | undefined;
  /** Whether a build in progress stands on the image (ImageService.pin): it is kept like a running container's. */
  pinned(imageId: string): boolean;
}
