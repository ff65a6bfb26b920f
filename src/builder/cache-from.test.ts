import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { LocalContentStore } from "../content/index.js";
import { ImageService, type LayerRecord } from "../images/index.js";
import { digestOf, type HistoryEntry, type ImageConfig } from "../oci/index.js";
import { NativeSnapshotter } from "../snapshots/index.js";
import { StateDb } from "../state/index.js";
import { Logger } from "../util/log.js";
import { CacheFromStage, extendsParent, matchSource, resolveCacheSources, restoredConfig, sameHistoryEntry, type CacheSource } from "./cache-from.js";

const hex = (c: string): string => `sha256:${c.repeat(64)}`;
const layer = (c: string): LayerRecord => ({ diffId: hex(c), chainId: digestOf(`chain-${c}`), blobDigest: hex(c), mediaType: "application/vnd.docker.image.rootfs.diff.tar", blobSize: 10, size: 10 });
const h = (createdBy: string, created: string, empty = false): HistoryEntry => ({ created, created_by: createdBy, ...(empty ? { empty_layer: true } : {}) });

const BASE_H = h("/bin/sh -c #(nop) ADD file:busybox in / ", "2020-01-01T00:00:00Z");
const ENV_H = h("/bin/sh -c #(nop)  ENV A=1", "2021-01-01T00:00:01Z", true);
const RUN_H = h("/bin/sh -c echo hi > /x", "2021-01-01T00:00:02Z");
const CMD_H = h('/bin/sh -c #(nop)  CMD ["sh"]', "2021-01-01T00:00:03Z", true);

function imageConfig(history: HistoryEntry[], layers: LayerRecord[]): ImageConfig {
  return { architecture: "amd64", os: "linux", author: "me", config: { Cmd: ["sh"] }, created: history.at(-1)?.created ?? "", history, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } };
}

function source(history: HistoryEntry[], layers: LayerRecord[]): CacheSource {
  const config = imageConfig(history, layers);
  return { id: digestOf(JSON.stringify(config)), config, layers };
}

const L1 = layer("a");
const L2 = layer("b");
const base = { history: [BASE_H], diffIds: [L1.diffId] };
const S = source([BASE_H, ENV_H, RUN_H, CMD_H], [L1, L2]);

test("sameHistoryEntry: every field counts; absent equals zero", () => {
  assert.ok(sameHistoryEntry(ENV_H, { ...ENV_H }));
  assert.ok(sameHistoryEntry({ created_by: "x", empty_layer: false }, { created_by: "x" }));
  assert.ok(!sameHistoryEntry(ENV_H, { ...ENV_H, created: "2021-01-01T00:00:09Z" }));
  assert.ok(!sameHistoryEntry(ENV_H, { ...ENV_H, comment: "c" }));
  assert.ok(!sameHistoryEntry(ENV_H, { ...ENV_H, empty_layer: false }));
  assert.ok(!sameHistoryEntry(RUN_H, { ...RUN_H, author: "a" }));
});

test("extendsParent: the parent's history and layers must be the source's first ones", () => {
  assert.ok(extendsParent(S, undefined));
  assert.ok(extendsParent(S, { history: [], diffIds: [] }));
  assert.ok(extendsParent(S, base));
  assert.ok(extendsParent(S, { history: [BASE_H, ENV_H, RUN_H], diffIds: [L1.diffId, L2.diffId] }));
  // as long as the source: nothing left to extend
  assert.ok(!extendsParent(S, { history: [BASE_H, ENV_H, RUN_H, CMD_H], diffIds: [L1.diffId, L2.diffId] }));
  // another history entry (time differs), another layer, more layers than the source
  assert.ok(!extendsParent(S, { history: [{ ...BASE_H, created: "2020-01-01T00:00:01Z" }], diffIds: [L1.diffId] }));
  assert.ok(!extendsParent(S, { history: [BASE_H], diffIds: [hex("c")] }));
  assert.ok(!extendsParent(S, { history: [BASE_H], diffIds: [L1.diffId, L2.diffId, hex("c")] }));
  assert.ok(!extendsParent(source([], []), undefined));
});

test("matchSource: the next entry's created_by must be the step's; the step's layer is the one after the parent's", () => {
  const env = matchSource([S], base, ENV_H.created_by as string);
  assert.deepEqual(env && { id: env.source.id, index: env.index, last: env.last, layer: env.layer }, { id: S.id, index: 1, last: false, layer: undefined });
  const run = matchSource([S], { history: [BASE_H, ENV_H], diffIds: [L1.diffId] }, RUN_H.created_by as string);
  assert.equal(run?.layer, L2);
  assert.equal(run?.index, 2);
  const cmd = matchSource([S], { history: [BASE_H, ENV_H, RUN_H], diffIds: [L1.diffId, L2.diffId] }, CMD_H.created_by as string);
  assert.equal(cmd?.last, true);
  // another step, or the right step at another place
  assert.equal(matchSource([S], base, RUN_H.created_by as string), undefined);
  assert.equal(matchSource([S], base, "/bin/sh -c #(nop)  ENV A=2"), undefined);
  // the first source that fits wins
  const other = source([BASE_H, h("/bin/sh -c other", "2022-01-01T00:00:00Z")], [L1, layer("c")]);
  assert.equal(matchSource([other, S], base, ENV_H.created_by as string)?.source, S);
  // a layer entry past the source's last layer is passed over
  const short = source([BASE_H, RUN_H], [L1]);
  assert.equal(matchSource([short], base, RUN_H.created_by as string), undefined);
  // FROM scratch: the first entry
  assert.equal(matchSource([S], undefined, BASE_H.created_by as string)?.layer, L1);
});

test("restoredConfig: the parent's layers and history plus the source's entry, the step's config", () => {
  const m = matchSource([S], { history: [BASE_H, ENV_H], diffIds: [L1.diffId] }, RUN_H.created_by as string);
  assert.ok(m);
  const c = restoredConfig({ history: [BASE_H, ENV_H], diffIds: [L1.diffId] }, m, { Env: ["A=1"], Cmd: ["sh"] });
  assert.deepEqual(c, {
    architecture: "amd64",
    author: "me",
    config: { Env: ["A=1"], Cmd: ["sh"] },
    created: RUN_H.created,
    history: [BASE_H, ENV_H, RUN_H],
    os: "linux",
    rootfs: { type: "layers", diff_ids: [L1.diffId, L2.diffId] },
  });
});

async function setup(t: TestContext) {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-cache-from-"));
  const state = StateDb.open(dir);
  const images = new ImageService({
    state,
    content: new LocalContentStore(path.join(dir, "content")),
    snapshotter: new NativeSnapshotter({ root: path.join(dir, "snapshots"), state }),
    log: Logger.create("error", () => undefined),
    platform: { os: "linux", architecture: "amd64" },
  });
  t.after(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const put = (s: CacheSource, parent?: string): string => {
    images.store.insert({ id: s.id, rawConfig: JSON.stringify(s.config), config: s.config, layers: [...s.layers], ...(parent ? { parent } : {}) });
    return s.id;
  };
  return { images, put };
}

const step = (entry: HistoryEntry, fromSources = true) => ({ createdBy: entry.created_by as string, config: { Cmd: ["sh"] }, fromSources });
const none = (): undefined => undefined;

test("CacheFromStage: restores each step from the source, ends on the source itself, linked under the last step", async (t) => {
  const { images, put } = await setup(t);
  const baseId = put(source([BASE_H], [L1]));
  put(S);
  const stage = new CacheFromStage(images, resolveCacheSources(images, [S.id], Logger.create("error", () => undefined)));
  const r1 = await stage.probe(baseId, none, step(ENV_H));
  assert.ok(r1 && r1 !== S.id);
  const rec1 = images.store.get(r1);
  assert.equal(rec1?.parent, baseId);
  assert.deepEqual(rec1?.config.history, [BASE_H, ENV_H]);
  assert.deepEqual(rec1?.layers, [L1]);
  assert.ok(images.store.blobInUse(r1));
  const r2 = await stage.probe(r1, none, step(RUN_H));
  const rec2 = r2 ? images.store.get(r2) : undefined;
  assert.deepEqual(rec2?.layers, [L1, L2]);
  assert.equal(rec2?.topChainId, L2.chainId);
  assert.equal(rec2?.parent, r1);
  assert.equal(await stage.probe(r2, none, step(CMD_H)), S.id);
  assert.equal(images.store.get(S.id)?.parent, r2);
  // the same steps again restore the same images (content-addressed)
  const again = new CacheFromStage(images, resolveCacheSources(images, [S.id], Logger.create("error", () => undefined)));
  assert.equal(await again.probe(baseId, none, step(ENV_H)), r1);
});

test("CacheFromStage: after a miss the stage looks nothing up; a RUN with unseen inputs never takes a source", async (t) => {
  const { images, put } = await setup(t);
  const baseId = put(source([BASE_H], [L1]));
  put(S);
  const stage = new CacheFromStage(images, [S]);
  assert.equal(await stage.probe(baseId, none, step(RUN_H)), undefined);
  assert.equal(await stage.probe(baseId, none, step(ENV_H)), undefined, "busted");
  const fresh = new CacheFromStage(images, [S]);
  assert.equal(await fresh.probe(baseId, none, step(ENV_H, false)), undefined);
});

test("CacheFromStage: a local hit counts only when it is a source or its ancestor", async (t) => {
  const { images, put } = await setup(t);
  const baseId = put(source([BASE_H], [L1]));
  const mid = put(source([BASE_H, ENV_H], [L1]), baseId);
  const built = put(S, mid);
  const elsewhere = put(source([BASE_H, h("/bin/sh -c #(nop)  ENV A=1", "2024-01-01T00:00:00Z", true)], [L1]), baseId);
  assert.equal(await new CacheFromStage(images, [S]).probe(baseId, () => mid, step(ENV_H)), mid);
  assert.equal(await new CacheFromStage(images, [S]).probe(mid, () => built, step(RUN_H)), built);
  // a local hit outside the sources' chains is not taken; the source stands for the step instead
  const r = await new CacheFromStage(images, [S]).probe(baseId, () => elsewhere, step(ENV_H));
  assert.ok(r !== undefined && r !== elsewhere);
  // no sources at all (every --cache-from image missing): nothing hits, not even the local cache
  assert.equal(await new CacheFromStage(images, []).probe(baseId, () => mid, step(ENV_H)), undefined);
});

test("CacheFromStage: after a source's hit the stage follows that source only", async (t) => {
  const { images, put } = await setup(t);
  const baseId = put(source([BASE_H], [L1]));
  const other = source([BASE_H, ENV_H, h("/bin/sh -c echo other", "2021-01-01T00:00:02Z")], [L1, layer("c")]);
  put(S);
  put(other);
  const stage = new CacheFromStage(images, [S, other]);
  const r1 = await stage.probe(baseId, none, step(ENV_H));
  assert.ok(r1);
  // `other` would fit this step, but the stage now follows S
  assert.equal(await stage.probe(r1, none, { createdBy: "/bin/sh -c echo other", config: {} }), undefined);
  const fresh = new CacheFromStage(images, [S, other]);
  assert.equal(await fresh.probe(r1, none, { createdBy: "/bin/sh -c echo other", config: {} }), other.id);
});

test("resolveCacheSources: missing or invalid references are skipped, each image once", async (t) => {
  const { images, put } = await setup(t);
  const id = put(S);
  images.store.setTag("docker.io/library/app:v1", id);
  const warned: string[] = [];
  const log = Logger.create("warn", (line) => warned.push(line));
  const got = resolveCacheSources(images, ["nosuch:img", "app:v1", id, "Bad Ref!"], log);
  assert.deepEqual(
    got.map((s) => s.id),
    [id],
  );
  assert.equal(warned.length, 2);
  assert.match(warned.join("\n"), /Could not look up nosuch:img for cache resolution, skipping/);
});
