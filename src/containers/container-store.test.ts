import { test } from "node:test";
import assert from "node:assert/strict";
import { ConflictError, NoSuchContainerError } from "../errdefs/index.js";
import { StateDb } from "../state/index.js";
import { ContainerStore, emptyRunState, type ContainerRecord } from "./container-store.js";

function rec(id: string, name: string): ContainerRecord {
  return {
    id, name, image: "busybox", imageId: "sha256:aa", config: { Cmd: ["sh"] }, hostConfig: {},
    status: "created", state: emptyRunState(), restartCount: 0, created: new Date().toISOString(), snapshotKey: id,
  };
}

test("container store: insert, lookup, rename, conflicts, delete", (t) => {
  const state = StateDb.memory();
  t.after(() => state.close());
  const s = new ContainerStore(state);
  const a = "a".repeat(64);
  const b = "ab" + "c".repeat(62);
  s.insert(rec(a, "/first"));
  s.insert(rec(b, "/second"));
  assert.throws(() => s.insert(rec("d".repeat(64), "/first")), (e: unknown) =>
    e instanceof ConflictError && e.message.startsWith(`Conflict. The container name "/first" is already in use by container "${a}".`));
  assert.equal(s.lookup("first").id, a);
  assert.equal(s.lookup("/second").id, b);
  assert.equal(s.lookup("aaa").id, a);
  assert.equal(s.lookup(b).config.Cmd?.[0], "sh");
  assert.throws(() => s.lookup("a"), /multiple IDs found/);
  assert.throws(() => s.lookup("nope"), (e: unknown) => e instanceof NoSuchContainerError && e.message === "No such container: nope");
  assert.throws(() => s.rename(b, "/first"), ConflictError);
  s.rename(b, "/renamed");
  assert.equal(s.lookup("renamed").id, b);
  const r = s.lookup(a);
  r.status = "exited";
  r.state.ExitCode = 3;
  s.update(r);
  assert.equal(s.lookup(a).state.ExitCode, 3);
  assert.equal(s.lookup(a).status, "exited");
  assert.deepEqual([...s.imageIds()], ["sha256:aa"]);
  s.delete(a);
  assert.equal(s.get(a), undefined);
  assert.equal(s.all().length, 1);
});

test("container store: allForRead reuses parsed rows until they change", (t) => {
  const state = StateDb.memory();
  t.after(() => state.close());
  const s = new ContainerStore(state);
  const a = "a".repeat(64);
  s.insert(rec(a, "/one"));
  const first = s.allForRead()[0];
  const again = s.allForRead()[0];
  assert.ok(first && again);
  assert.equal(again.config, first.config, "unchanged row: the parsed config is shared");
  const r = s.lookup(a);
  r.status = "exited";
  r.state.ExitCode = 7;
  s.update(r);
  s.rename(a, "/two");
  const changed = s.allForRead()[0];
  assert.equal(changed?.status, "exited");
  assert.equal(changed?.state.ExitCode, 7);
  assert.equal(changed?.name, "/two");
  assert.notEqual(changed?.state, first.state);
  s.delete(a);
  assert.deepEqual(s.allForRead(), []);
});
