import assert from "node:assert/strict";
import { test } from "node:test";
import { createHash, randomBytes, randomInt, randomUUID } from "./crypto.js";

test("random bytes, integers and UUIDs from /dev/urandom; hashes from node:crypto", () => {
  const a = randomBytes(32);
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, randomBytes(32));
  assert.equal(randomBytes(0).length, 0);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = randomInt(10);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
    seen.add(v);
  }
  assert.equal(seen.size, 10, "every value turns up");
  assert.throws(() => randomInt(0), RangeError);
  const u = randomUUID();
  assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(u, randomUUID());
  assert.equal(createHash("sha256").update("abc").digest("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
