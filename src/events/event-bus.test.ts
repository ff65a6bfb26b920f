import assert from "node:assert/strict";
import { test } from "node:test";
import type { EventMessage } from "../api/types/index.js";
import { EventBus } from "./event-bus.js";
import { matchesEventFilters, validateEventFilters } from "./event-filter.js";

async function collect(it: AsyncIterable<EventMessage>, max = 100): Promise<EventMessage[]> {
  const out: EventMessage[] = [];
  for await (const ev of it) {
    out.push(ev);
    if (out.length >= max) break;
  }
  return out;
}

test("publish stamps time and legacy fields for image events; history is bounded", () => {
  const bus = new EventBus(3);
  const ev = bus.publish("image", "tag", { ID: "sha256:aa", Attributes: { name: "x:y" } });
  assert.equal(ev.status, "tag");
  assert.equal(ev.id, "sha256:aa");
  assert.equal(ev.scope, "local");
  assert.equal(ev.time, Math.floor(ev.timeNano / 1e9));
  const d = bus.publish("daemon", "reload", { ID: "d", Attributes: {} });
  assert.equal(d.status, undefined);
  for (let i = 0; i < 5; i++) bus.publish("image", "pull", { ID: String(i), Attributes: {} });
  assert.deepEqual(bus.past().map((e) => e.Actor.ID), ["2", "3", "4"]);
});

test("since/until: past only when until has passed; filters apply", async () => {
  const bus = new EventBus();
  bus.publish("image", "tag", { ID: "a", Attributes: { name: "x:1", l: "v" } });
  bus.publish("image", "delete", { ID: "b", Attributes: { name: "y:1" } });
  bus.publish("container", "create", { ID: "c", Attributes: { name: "web", image: "x:1" } });
  const until = Date.now() / 1000 + 0.001;
  await new Promise((r) => setTimeout(r, 5));
  const ac = new AbortController();
  const all = await collect(bus.stream({ since: 0, until, filters: {} }, ac));
  assert.deepEqual(all.map((e) => e.Action), ["tag", "delete", "create"]);
  const f = (filters: Record<string, string[]>): Promise<string[]> => collect(bus.stream({ since: 0, until, filters }, ac)).then((l) => l.map((e) => e.Actor.ID));
  assert.deepEqual(await f({ type: ["image"] }), ["a", "b"]);
  assert.deepEqual(await f({ event: ["delete", "create"] }), ["b", "c"]);
  assert.deepEqual(await f({ image: ["x"] }), ["a", "c"]);
  assert.deepEqual(await f({ container: ["web"] }), ["c"]);
  assert.deepEqual(await f({ label: ["l=v"] }), ["a"]);
  assert.deepEqual(await f({ label: ["l=w"] }), []);
  assert.deepEqual(await f({ label: ["l=v", "name=x:1"] }), ["a"]);
  assert.deepEqual(await f({ type: ["image"], event: ["create"] }), []);
});

test("since only: past then live; abort ends the stream", async () => {
  const bus = new EventBus();
  bus.publish("image", "tag", { ID: "old", Attributes: {} });
  const ac = new AbortController();
  const got: string[] = [];
  const done = (async () => {
    for await (const ev of bus.stream({ since: 0, filters: {} }, ac)) got.push(ev.Actor.ID);
  })();
  await new Promise((r) => setTimeout(r, 10));
  bus.publish("image", "tag", { ID: "new", Attributes: {} });
  await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await done;
  assert.deepEqual(got, ["old", "new"]);
  assert.equal(bus.listenerCount, 0);
});

test("until in the future: live events until it passes, then the stream ends", async () => {
  const bus = new EventBus();
  const ac = new AbortController();
  const until = Date.now() / 1000 + 0.15;
  const started = Date.now();
  const p = collect(bus.stream({ until, filters: {} }, ac));
  bus.publish("image", "tag", { ID: "live", Attributes: {} });
  const got = await p;
  assert.deepEqual(got.map((e) => e.Actor.ID), ["live"]);
  assert.ok(Date.now() - started >= 100);
});

test("filters follow docker: labels ANDed, names by prefix, image without tag, unknown key refused", () => {
  const bus = new EventBus();
  const c = bus.publish("container", "start", { ID: "c0ffee1234", Attributes: { name: "web-1", image: "docker.io/library/busybox:latest", a: "1", b: "2" } });
  const e = bus.publish("container", "exec_start: sh -c true", { ID: "c0ffee1234", Attributes: { name: "web-1" } });
  assert.equal(c.from, "docker.io/library/busybox:latest");
  assert.equal(matchesEventFilters(c, { label: ["a=1", "b=2"] }), true);
  assert.equal(matchesEventFilters(c, { label: ["a=1", "b=3"] }), false);
  assert.equal(matchesEventFilters(c, { label: ["a"] }), true);
  assert.equal(matchesEventFilters(c, { container: ["c0ff"] }), true);
  assert.equal(matchesEventFilters(c, { container: ["web"] }), true);
  assert.equal(matchesEventFilters(c, { container: ["db"] }), false);
  assert.equal(matchesEventFilters(c, { image: ["busybox"] }), true);
  assert.equal(matchesEventFilters(c, { image: ["alpine"] }), false);
  assert.equal(matchesEventFilters(e, { event: ["exec_start"] }), true);
  assert.equal(matchesEventFilters(e, { event: ["exec"] }), false);
  assert.equal(matchesEventFilters(c, { scope: ["swarm"] }), false);
  assert.doesNotThrow(() => validateEventFilters({ type: ["image"], label: [] }));
  assert.throws(() => validateEventFilters({ bogus: ["x"] }), /invalid filter 'bogus'/);
});

test("publish with an explicit time; timeNano stays strictly increasing", () => {
  const bus = new EventBus();
  const a = bus.publish("image", "tag", { ID: "a", Attributes: {} }, new Date(2_000_000_000_000));
  const b = bus.publish("image", "tag", { ID: "b", Attributes: {} }, new Date(1_000));
  assert.equal(a.time, 2_000_000_000);
  assert.ok(b.timeNano > a.timeNano);
});

test("subscribe: live events from the call on, filtered; unsubscribe ends iteration", async () => {
  const bus = new EventBus();
  bus.publish("image", "tag", { ID: "before", Attributes: {} });
  const sub = bus.subscribe({ type: ["image"] });
  bus.publish("image", "tag", { ID: "x", Attributes: {} });
  bus.publish("container", "start", { ID: "y", Attributes: {} });
  assert.equal(bus.listenerCount, 1);
  const got: string[] = [];
  setTimeout(() => {
    bus.publish("image", "delete", { ID: "z", Attributes: {} });
    setTimeout(() => sub.unsubscribe(), 5);
  }, 5);
  for await (const ev of sub) got.push(ev.Actor.ID);
  assert.deepEqual(got, ["x", "z"]);
  assert.equal(bus.listenerCount, 0);
});

test("a stream that is never iterated is released when its signal aborts", () => {
  const bus = new EventBus();
  const ac = new AbortController();
  bus.stream({ filters: {} }, ac);
  assert.equal(bus.listenerCount, 1);
  ac.abort();
  assert.equal(bus.listenerCount, 0);
});
