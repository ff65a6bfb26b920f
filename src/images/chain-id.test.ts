import { test } from "node:test";
import assert from "node:assert/strict";
import { chainIds, topChainId } from "./chain-id.js";

const a = "sha256:" + "a".repeat(64);
const b = "sha256:" + "b".repeat(64);
const c = "sha256:" + "c".repeat(64);

test("chain IDs follow the OCI definition", () => {
  // Golden values computed with sha256sum over "<chain> <diff>".
  assert.deepEqual(chainIds([a, b, c]), [a, "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c", "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588"]);
  assert.equal(topChainId([a]), a);
  assert.equal(topChainId([]), undefined);
  assert.deepEqual(chainIds([]), []);
});
