import { test } from "node:test";
import assert from "node:assert/strict";
import { frameChunk, STDERR, STDOUT, SYSTEMERR } from "../api/stdcopy-stream.js";
import { StdcopyDemuxer } from "./stdcopy-demux.js";

test("frameChunk writes docker's 8-byte header", () => {
  const f = frameChunk(STDERR, Buffer.from("hi"));
  assert.deepEqual([...f], [2, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
  assert.equal(frameChunk(STDOUT, Buffer.alloc(0)).length, 0);
});

test("large chunks split into 32 KiB frames", () => {
  const f = frameChunk(STDOUT, Buffer.alloc(70000, 1));
  assert.equal(f.readUInt32BE(4), 32768);
  assert.equal(f.length, 70000 + 3 * 8);
});

test("demuxer reassembles frames fed byte by byte", () => {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const d = new StdcopyDemuxer({ stdout: (b) => out.push(b), stderr: (b) => err.push(b) });
  const wire = Buffer.concat([frameChunk(STDOUT, Buffer.from("hello ")), frameChunk(STDERR, Buffer.from("oops")), frameChunk(STDOUT, Buffer.from("world"))]);
  for (let i = 0; i < wire.length; i++) d.push(wire.subarray(i, i + 1));
  assert.equal(Buffer.concat(out).toString(), "hello world");
  assert.equal(Buffer.concat(err).toString(), "oops");
  assert.equal(d.buffered, 0);
});

test("system error frame throws daemon message", () => {
  const d = new StdcopyDemuxer({ stdout: () => {}, stderr: () => {} });
  assert.throws(() => d.push(frameChunk(SYSTEMERR, Buffer.from("boom"))), /error from daemon in stream: boom/);
});
