import assert from "node:assert/strict";
import { test } from "node:test";
import { BufferPool, bufferPool, drainBufferPools } from "./buffer-pool.js";

test("BufferPool hands back what was given, keeps at most `keep`, ignores strangers and drains", () => {
  const p = new BufferPool(1024, 2);
  const a = p.take();
  const b = p.take();
  const c = p.take();
  assert.equal(a.length, 1024);
  assert.notEqual(a, b);
  p.give(a);
  p.give(a); // twice: kept once
  p.give(b);
  p.give(c); // over `keep`
  p.give(Buffer.alloc(10)); // wrong size
  assert.equal(p.idle, 2);
  const again = [p.take(), p.take()];
  assert.ok(again.includes(a) && again.includes(b));
  assert.equal(p.idle, 0);
  p.give(a);
  p.drain();
  assert.equal(p.idle, 0);
  const registered = bufferPool(64, 1);
  registered.give(registered.take());
  assert.equal(registered.idle, 1);
  drainBufferPools();
  assert.equal(registered.idle, 0);
});
