import { test } from "node:test";
import assert from "node:assert/strict";
import { RegistryError } from "./errors.js";
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, parseManifest } from "./manifest.js";
import { parseDuration } from "./duration.js";
import { parseFlags } from "./flags.js";

const d = (c: string): string => "sha256:" + c.repeat(64);

test("parses image manifests, indexes and subjects", () => {
  const m = parseManifest(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { mediaType: "c", digest: d("a"), size: 1 }, layers: [{ digest: d("b"), size: 2 }, { digest: d("c"), size: 3, urls: ["http://x"] }] })),
    DOCKER_MANIFEST,
  );
  assert.deepEqual(m.blobs, [d("a"), d("b")]);
  const i = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: d("d"), size: 9 }] })), OCI_INDEX);
  assert.deepEqual([i.mediaType, i.children], [OCI_INDEX, [d("d")]]);
  const a = parseManifest(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/x-sig", digest: d("a"), size: 1 }, layers: [], subject: { digest: d("e"), size: 5 } })),
    undefined,
  );
  assert.deepEqual([a.subject, a.artifactType], [d("e"), "application/x-sig"]);
});

test("refuses malformed manifests with MANIFEST_INVALID", () => {
  const bad = ["{", "[]", '{"schemaVersion":1}', '{"schemaVersion":2,"config":{"digest":"sha256:x","size":1},"layers":[]}', `{"schemaVersion":2,"mediaType":"${OCI_INDEX}"}`];
  for (const b of bad) assert.throws(() => parseManifest(Buffer.from(b), undefined), (e: unknown) => e instanceof RegistryError && e.code === "MANIFEST_INVALID", b);
  assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { digest: d("a"), size: 1 }, layers: [] })), DOCKER_MANIFEST), (e: unknown) => e instanceof RegistryError && /does not match/.test(String(e.detail)));
});

test("parses durations and docker-style flags", () => {
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("10"), 10_000);
  assert.equal(parseDuration("1x"), undefined);
  const f = parseFlags(["--root", "/r", "--addr=127.0.0.1:0", "--read-only", "x"], ["root", "addr"], ["read-only"]);
  assert.deepEqual([f.values.get("root"), f.values.get("addr"), f.bools.has("read-only"), f.positional], ["/r", "127.0.0.1:0", true, ["x"]]);
  assert.throws(() => parseFlags(["--nope"], [], []), /unknown flag/);
  assert.throws(() => parseFlags(["--root"], ["root"], []), /needs an argument/);
});
