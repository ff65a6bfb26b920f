import { createHash } from "../util/crypto.js";

/** OCI chain IDs: chainID(0) = diffID(0); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let prev: string | undefined;
  for (const d of diffIds) {
    prev = prev === undefined ? d : "sha256:" + createHash("sha256").update(`${prev} ${d}`).digest("hex");
    out.push(prev);
  }
  return out;
}

/** The chain ID of the whole stack, or undefined for an image with no layers. */
export function topChainId(diffIds: readonly string[]): string | undefined {
  return chainIds(diffIds).at(-1);
}
