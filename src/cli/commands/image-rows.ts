/** docker's image formatter context: rows for `images`. */
import type { ImageSummary } from "../../api/types/index.js";
import { humanSize, humanSizeWithPrecision, since } from "../format/units.js";
import { goTimeString, truncateId } from "./common.js";

export const IMAGE_HEADERS: Record<string, string> = {
  Containers: "CONTAINERS",
  CreatedAt: "CREATED AT",
  CreatedSince: "CREATED",
  Digest: "DIGEST",
  ID: "IMAGE ID",
  Repository: "REPOSITORY",
  SharedSize: "SHARED SIZE",
  Size: "SIZE",
  Tag: "TAG",
  UniqueSize: "UNIQUE SIZE",
  VirtualSize: "VIRTUAL SIZE",
};

export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

function splitRef(ref: string): [string, string] {
  const at = ref.indexOf("@");
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, ""];
}

/** Docker shows "docker.io/library/x" as "x". */
export function familiar(name: string): string {
  return name.replace(/^docker\.io\/library\//, "").replace(/^docker\.io\//, "");
}

export function imageRows(images: readonly ImageSummary[], opts: { digests: boolean; noTrunc: boolean; now?: number }): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const img of images) {
    const n = (v: number | undefined): string => (v === undefined || v < 0 ? "N/A" : humanSizeWithPrecision(v, 3));
    const base = {
      Containers: img.Containers < 0 ? "N/A" : String(img.Containers),
      CreatedAt: goTimeString(img.Created),
      CreatedSince: since(img.Created, opts.now),
      ID: opts.noTrunc ? img.Id : truncateId(img.Id),
      SharedSize: n(img.SharedSize),
      Size: humanSizeWithPrecision(img.Size, 3),
      UniqueSize: img.SharedSize < 0 ? "N/A" : humanSizeWithPrecision(img.Size - img.SharedSize, 3),
      VirtualSize: humanSize(img.VirtualSize ?? img.Size),
    };
    const add = (repo: string, tag: string, digest: string): void => {
      rows.push({ Containers: base.Containers, CreatedAt: base.CreatedAt, CreatedSince: base.CreatedSince, Digest: digest, ID: base.ID, Repository: repo, SharedSize: base.SharedSize, Size: base.Size, Tag: tag, UniqueSize: base.UniqueSize, VirtualSize: base.VirtualSize });
    };
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const r of img.RepoTags ?? []) {
      const [name, tag] = splitRef(r);
      if (name === "<none>") continue;
      const k = familiar(name);
      repoTags.set(k, [...(repoTags.get(k) ?? []), tag]);
    }
    for (const r of img.RepoDigests ?? []) {
      const [name, dg] = splitRef(r);
      if (name === "<none>") continue;
      const k = familiar(name);
      repoDigests.set(k, [...(repoDigests.get(k) ?? []), dg]);
    }
    const hadTags = repoTags.size > 0;
    const hadDigests = repoDigests.size > 0;
    for (const [repo, tags] of repoTags) {
      let digests = repoDigests.get(repo) ?? [];
      repoDigests.delete(repo);
      if (!opts.digests) digests = [];
      for (const tag of tags) {
        if (digests.length === 0) add(repo, tag, "<none>");
        else for (const d of digests) add(repo, tag, d);
      }
    }
    for (const [repo, digests] of repoDigests) {
      if (opts.digests) for (const d of digests) add(repo, "<none>", d);
      else add(repo, "<none>", "");
    }
    if (!hadTags && !hadDigests) add("<none>", "<none>", "<none>");
  }
  return rows;
}
