/**
 * One berthd per test file with an image archive loaded into it: registers node:test before/after hooks
 * that make the archive (busybox by default), start the daemon, load it, and clean everything up.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, before } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, type Berthd } from "./daemon.js";

export interface LoadedDaemon {
  /** The daemon (valid inside tests, after the before hooks ran). */
  readonly d: Berthd;
  /** The image archive that was loaded (to load it again). */
  readonly archive: string;
  /** Runs the docker CLI against it, asserts exit 0 and returns stdout trimmed. */
  ok(args: string[]): Promise<string>;
}

export function loadedDaemon(opts: Parameters<typeof makeBusyboxArchive>[1] = { tag: "busybox:latest" }): LoadedDaemon {
  const fx = mkdtempSync("/tmp/berth-fx-");
  const archive = path.join(fx, "image.tar");
  let daemon: Berthd | undefined;
  before(async () => {
    makeBusyboxArchive(archive, opts);
    daemon = await startBerthd();
    const r = await daemon.docker(["load", "-q", "-i", archive]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await daemon?.cleanup();
    rmSync(fx, { recursive: true, force: true });
  });
  const self: LoadedDaemon = {
    archive,
    get d(): Berthd {
      if (!daemon) throw new Error("the daemon is not started yet (use it inside a test)");
      return daemon;
    },
    async ok(args) {
      const r = await self.d.docker(args);
      assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    },
  };
  return self;
}
