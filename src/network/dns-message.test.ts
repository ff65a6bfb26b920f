import { test } from "node:test";
import assert from "node:assert/strict";
import { buildQuery, buildReply, parseQuery, RCODE_NXDOMAIN, TYPE_A } from "./dns-message.js";

test("parse a query and answer it with A records", () => {
  const q = buildQuery(0x1234, "Web.Example");
  const p = parseQuery(q);
  assert.ok(p);
  assert.equal(p.name, "web.example");
  assert.equal(p.type, TYPE_A);
  const r = buildReply(q, p, ["10.0.0.7", "10.0.0.8"]);
  assert.equal(r.readUInt16BE(0), 0x1234);
  assert.equal(r.readUInt16BE(2) & 0x8000, 0x8000);
  assert.equal(r.readUInt16BE(6), 2);
  assert.deepEqual([...r.subarray(r.length - 4)], [10, 0, 0, 8]);
  const nx = buildReply(q, p, [], RCODE_NXDOMAIN);
  assert.equal(nx.readUInt16BE(2) & 0xf, 3);
  assert.equal(nx.readUInt16BE(6), 0);
  assert.equal(parseQuery(Buffer.from([1, 2, 3])), undefined);
  assert.equal(parseQuery(r), undefined, "responses are not queries");
});
