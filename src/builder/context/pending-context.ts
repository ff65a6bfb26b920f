/**
 * Hands a checked incremental-context manifest from the /build route to extractContext without a
 * new parameter through the builder: the route attaches it to the request stream it passes as the
 * context, extractContext looks it up.
 */
import { InvalidArgumentError } from "../../errdefs/index.js";
import type { ContextCheckResponse, ContextManifest } from "../../util/build-context-manifest.js";
import type { ContextStore, PendingContext } from "./context-store.js";

export interface AttachedContext {
  store: ContextStore;
  pending: PendingContext;
}

const attached = new WeakMap<object, AttachedContext>();

/** Marks `body` (the build request) as an incremental context body for `pending`. */
export function attachPendingContext(body: object, store: ContextStore, pending: PendingContext): void {
  attached.set(body, { store, pending });
}

/** The manifest attached to a context stream, if any. */
export function pendingContextOf(body: object): AttachedContext | undefined {
  return attached.get(body);
}

/** The store as the API sees it (api/backend.ts BuildContextStore): check a manifest, attach a checked one to a request. */
export function contextStoreBackend(store: ContextStore): { check(m: ContextManifest): ContextCheckResponse; attach(id: string, body: object): void } {
  return {
    check: (m) => store.check(m),
    attach: (id, body) => {
      const pending = store.take(id);
      if (!pending) throw new InvalidArgumentError(`unknown build context manifest ${JSON.stringify(id)}: check the context again`);
      attachPendingContext(body, store, pending);
    },
  };
}
