/**
 * `docker import`: a rootfs tar (any compression) becomes a one-layer image. The stream is read once:
 * it is decompressed, kept in content as the uncompressed layer blob (digest = diffID), and extracted
 * into a snapshot at the same time. The image becomes visible (and tagged) in one transaction.
 */
import { decompressGuarded } from "./bomb-guard.js";
import type { Readable } from "node:stream";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { ImageConfig } from "../oci/index.js";
import { digestOf, familiarize, parseNormalizedNamed, referenceString, tagNameOnly, validateTag } from "../oci/index.js";
import { applyChanges } from "./changes.js";
import type { ImageCore } from "./core.js";
import { ingestLayer } from "./ingest-layer.js";
import { isoTime } from "../util/iso-time.js";

export interface ImportOptions {
  repo?: string;
  tag?: string;
  changes: string[];
  message?: string;
  platform?: string;
}

export function parsePlatform(
  s: string | undefined,
  def: { os: string; architecture: string; variant?: string },
): { os: string; architecture: string; variant?: string } {
  if (!s) return def;
  const [os = "", arch, variant] = s.toLowerCase().split("/");
  if (os !== "linux") throw new InvalidArgumentError(`operating system is not supported: ${os}`);
  const p: { os: string; architecture: string; variant?: string } = { os, architecture: arch || def.architecture };
  if (variant) p.variant = variant;
  return p;
}

/** The reference `repo[:tag]` names (import, commit), validated; undefined without a repo. */
export function tagTarget(repo: string | undefined, tag: string | undefined): string | undefined {
  if (!repo) return undefined;
  const named = parseNormalizedNamed(repo);
  if (tag) {
    validateTag(tag);
    named.tag = tag;
  }
  return referenceString(tagNameOnly(named));
}

export async function importImage(core: ImageCore, body: Readable, opts: ImportOptions, signal?: AbortSignal): Promise<string> {
  const platform = parsePlatform(opts.platform, core.platform);
  const config = applyChanges({}, opts.changes);
  const target = tagTarget(opts.repo, opts.tag);
  return core.lock.shared(async () => {
    const lease = core.leases.create({ op: "import" });
    try {
      const { stream } = await decompressGuarded(body, "import");
      const layer = await ingestLayer(core, lease, { stream, parentDiffIds: [], ...(signal ? { signal } : {}) });
      const created = isoTime();
      const img: ImageConfig = {
        architecture: platform.architecture,
        ...(opts.message ? { comment: opts.message } : {}),
        config,
        created,
        history: [{ created, ...(opts.message ? { comment: opts.message } : {}) }],
        os: platform.os,
        rootfs: { type: "layers", diff_ids: [layer.diffId] },
        ...(platform.variant ? { variant: platform.variant } : {}),
      };
      const raw = JSON.stringify(img);
      const cfg = await core.content.writeBytes(raw);
      core.leases.add(lease, "content", cfg.digest);
      const id = digestOf(raw);
      core.state.tx(() => {
        core.store.insert({
          id,
          rawConfig: raw,
          config: img,
          layers: [layer],
        });
        if (target) core.store.setTag(target, id);
      });
      core.emitImage("import", id, id, config.Labels ?? {});
      if (target) core.emitImage("tag", id, familiarize(target), config.Labels ?? {});
      return id;
    } finally {
      core.leases.delete(lease);
    }
  });
}
