/**
 * Fixtures for the images root tests: a temp data root with the real content store, overlay
 * snapshotter and state db, an ImageService on top, and a busybox rootfs tar made from Debian's
 * busybox-static. The one place that knows how the stores are constructed.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, mkdirSync, rmSync, symlinkSync, copyFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { LocalContentStore } from "../../src/content/index.js";
import { OverlaySnapshotter } from "../../src/snapshots/index.js";
import { StateDb } from "../../src/state/index.js";
import { ImageService } from "../../src/images/index.js";
import { nullLogger } from "../../src/util/index.js";
import type { ImagesBackend } from "../../src/api/backend.js";

export interface Env {
  root: string;
  state: StateDb;
  content: LocalContentStore;
  snapshotter: OverlaySnapshotter;
  images: ImageService;
  events: { action: string; id: string; attributes: Record<string, string> }[];
  reopen(): Env;
  close(): Promise<void>;
}

export const ctx = { apiVersion: "1.44", signal: new AbortController().signal };

export function makeEnv(root = mkdtempSync(path.join(tmpdir(), "berth-images-"))): Env {
  const state = StateDb.open(root);
  const content = new LocalContentStore(path.join(root, "content"));
  const snapshotter = new OverlaySnapshotter({ root: path.join(root, "snapshots"), state });
  const events: Env["events"] = [];
  const images = new ImageService({
    state,
    content,
    snapshotter,
    log: nullLogger,
    emit: (_t, action, id, attributes) => events.push({ action, id, attributes }),
    platform: { os: "linux", architecture: "amd64" },
  });
  const backend: ImagesBackend = images; // compile-time check: ImageService satisfies ImagesBackend
  void backend;
  const env: Env = {
    root,
    state,
    content,
    snapshotter,
    images,
    events,
    reopen: () => {
      state.close();
      return makeEnv(root);
    },
    close: async () => {
      try {
        state.close();
      } catch {
        /* already closed */
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  return env;
}

/** A rootfs tar: bin/busybox plus symlinks (sh, ls, echo, cat), deterministic. */
export function busyboxTar(dir: string, extra: Record<string, string> = {}): string {
  const rootfs = path.join(dir, `rootfs-${Math.random().toString(36).slice(2)}`);
  mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", path.join(rootfs, "bin/busybox"));
  for (const l of ["sh", "ls", "echo", "cat"]) symlinkSync("busybox", path.join(rootfs, "bin", l));
  for (const [name, content] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(rootfs, name)), { recursive: true });
    execFileSync("sh", ["-c", `printf '%s' "$1" > "$2"`, "_", content, path.join(rootfs, name)]);
  }
  const out = path.join(dir, `${path.basename(rootfs)}.tar`);
  const top = readdirSync(rootfs).sort();
  execFileSync("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs, "-cf", out, ...top]);
  rmSync(rootfs, { recursive: true, force: true });
  return out;
}

export function fileStream(file: string): Readable {
  return createReadStream(file);
}

export async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

export async function blobs(env: Env): Promise<string[]> {
  const out: string[] = [];
  for await (const b of env.content.list()) out.push(b.digest);
  return out.sort();
}

export function tmp(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-images-fx-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
