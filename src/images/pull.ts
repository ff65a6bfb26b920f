/**
 * `docker pull`: resolve the manifest (platform picked from a list), fetch and check the config, then
 * pull the layers (pull-layers.ts) under a lease, and make the image, its tag and its repo digest
 * visible in one transaction. A crash or an error before that leaves nothing visible; what was written
 * is removed at once (or by the next start's gc). Progress is docker's JSON stream; errors before the
 * first progress line (unknown manifest, denied) are thrown before anything is written.
 */
import { NotFoundError, isNotFound, kindOf, messageOf } from "../errdefs/index.js";
import type { Reference } from "../oci/index.js";
import { familiarName, familiarString, layerCompression, referenceString } from "../oci/index.js";
import type { AuthConfig } from "../registry/client/types.js";
import type { DistributionContext } from "./distribution-context.js";
import type { LayerRecord } from "./image-record.js";
import { pullLayers } from "./pull-layers.js";
import { parsePlatform, resolveImage } from "./pull-manifest.js";
import { deleteUnusedBlobs } from "./remove.js";
import { shortLayerId, TransferProgress, type ProgressFn } from "./transfer-progress.js";

export interface PullRequest {
  /** Normalised reference with a tag or a digest. */
  ref: Reference;
  /** "os/arch[/variant]"; the host's platform when absent. */
  platform?: string;
  auth?: AuthConfig;
  signal?: AbortSignal;
  /** false: no closing "Status: …" line (a pull of every tag writes one for the repository). */
  finalStatus?: boolean;
}

export interface PullResult {
  id: string;
  /** The repo digest recorded (`name@sha256:…`). */
  repoDigest: string;
  upToDate: boolean;
}

const anonymous = (a: AuthConfig | undefined): boolean => !a || (!a.username && !a.password && !a.identitytoken && !a.registrytoken);

/** docker's wording for registry errors met while resolving what to pull. */
export function explainPullError(err: unknown, ref: Reference, auth: AuthConfig | undefined): unknown {
  const msg = messageOf(err);
  if (isNotFound(err) && !msg.startsWith("no matching manifest") && !msg.startsWith("manifest for ")) {
    if (/name unknown/i.test(msg)) return new NotFoundError(`repository ${familiarName(ref)} not found: ${msg}`, { cause: err });
    return new NotFoundError(`manifest for ${familiarString(ref)} not found: ${msg}`, { cause: err });
  }
  if (kindOf(err) === "unauthorized" && anonymous(auth) && !msg.startsWith("pull access denied")) {
    // dockerd answers this one with 404 (the repository may simply not exist), so clients do not prompt for a login
    return new NotFoundError(
      `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${msg}`,
      { cause: err },
    );
  }
  return err;
}

async function removeUnusedSnapshots(dc: DistributionContext, keys: string[]): Promise<void> {
  const { core } = dc;
  const pinned = core.leases.pinned("snapshot");
  // Children first: keys were added base to top.
  for (const k of [...keys].reverse()) {
    if (pinned.has(k) || core.store.chainInUse(k)) continue;
    await core.snapshotter.remove(k).catch(() => undefined);
  }
}

export async function pullImage(dc: DistributionContext, req: PullRequest, out: ProgressFn): Promise<PullResult> {
  const { core } = dc;
  const ref = req.ref;
  const reference = ref.digest ?? ref.tag ?? "latest";
  const client = await dc.client();
  const repo = client.repository({ host: ref.domain, path: ref.path }, req.auth, "pull");
  let resolved;
  try {
    resolved = await resolveImage(repo, reference, parsePlatform(req.platform, core.platform), req.signal);
  } catch (err) {
    throw explainPullError(err, ref, req.auth);
  }
  const progress = new TransferProgress(out);
  progress.message(`Pulling from ${ref.path}`, reference);
  const id = resolved.manifest.config.digest;
  const repoDigest = `${ref.name}@${ref.digest ?? resolved.topDigest}`;

  const result = await core.lock.shared(async () => {
    const lease = core.leases.create({ op: "pull", ref: referenceString(ref) });
    let ok = false;
    try {
      let layers: LayerRecord[] | undefined;
      if (!core.store.has(id)) {
        const diffIds = resolved.config.rootfs.diff_ids;
        layers = await pullLayers(dc, {
          repo,
          manifest: resolved.manifest,
          diffIds,
          lease,
          progress,
          ...(req.signal ? { signal: req.signal } : {}),
        });
        core.leases.add(lease, "content", id);
        core.leases.add(lease, "content", resolved.manifestDesc.digest);
        await core.content.writeBytes(resolved.configBytes, { expected: id });
        await core.content.writeBytes(resolved.manifestBytes, { expected: resolved.manifestDesc.digest });
      } else if ((ref.digest === undefined ? core.store.byTag(referenceString({ ...ref, tag: reference })) : core.store.byDigest(repoDigest)) !== id) {
        // the image is here under another name: every layer is, as docker reports it
        const seen = new Set<string>();
        for (const l of resolved.manifest.layers) {
          const lid = shortLayerId(l.digest);
          if (!seen.has(lid)) progress.update(lid, "Already exists");
          seen.add(lid);
        }
      }
      req.signal?.throwIfAborted();
      const upToDate = core.state.tx(() => {
        if (layers) {
          core.store.insert({
            id,
            rawConfig: resolved.configBytes.toString("utf8"),
            config: resolved.config,
            layers,
            manifestDigest: resolved.manifestDesc.digest,
            manifestMediaType: resolved.manifestDesc.mediaType,
          });
          for (const l of layers) {
            if (l.blobDigest !== l.diffId && layerCompression(l.mediaType) !== undefined && layerCompression(l.mediaType) !== "none")
              dc.records.recordCompressed(l.diffId, { blobDigest: l.blobDigest, mediaType: l.mediaType, size: l.blobSize });
          }
        }
        for (const l of resolved.manifest.layers) dc.records.recordLocation(l.digest, ref.domain, ref.path);
        dc.records.recordLocation(id, ref.domain, ref.path);
        let prev: string | undefined;
        if (ref.digest === undefined) {
          const tagRef = referenceString({ ...ref, tag: reference });
          prev = core.store.byTag(tagRef);
          if (prev !== id) core.store.setTag(tagRef, id);
        } else {
          prev = core.store.byDigest(repoDigest);
        }
        core.store.addDigest(repoDigest, id);
        return prev === id;
      });
      ok = true;
      return { id, repoDigest, upToDate };
    } finally {
      const blobs = core.leases.resources(lease, "content");
      const snaps = core.leases.resources(lease, "snapshot");
      core.leases.delete(lease);
      if (!ok) {
        await deleteUnusedBlobs(core, blobs).catch(() => undefined);
        await removeUnusedSnapshots(dc, snaps).catch(() => undefined);
      }
    }
  });

  progress.message(`Digest: ${ref.digest ?? resolved.topDigest}`);
  const fam = familiarString(ref);
  if (req.finalStatus !== false) progress.message(result.upToDate ? `Status: Image is up to date for ${fam}` : `Status: Downloaded newer image for ${fam}`);
  core.emitImage("pull", fam, fam, resolved.config.config?.Labels ?? {});
  return result;
}

