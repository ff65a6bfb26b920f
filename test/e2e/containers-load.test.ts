/**
 * 50 containers created and started concurrently through the API all run, and are all removed
 * cleanly: no mounts, cgroups, runtime state or conmon processes left behind.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { mountsUnder, startBerthd } from "../helpers/daemon.js";

const N = 50;

function conmonsFor(dir: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (/conmon$/.test(argv[0] ?? "") && argv.some((a) => a.includes(dir))) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** cgroup directories (any v1 controller or v2) whose name is one of the ids. */
function cgroupsFor(ids: readonly string[]): string[] {
  const found: string[] = [];
  const want = new Set(ids);
  const walk = (dir: string, depth: number): void => {
    if (depth > 4) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) {
      if (want.has(e)) found.push(path.join(dir, e));
      else walk(path.join(dir, e), depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

test(`${N} containers started concurrently through the API all run and all leave cleanly`, async (t) => {
  const d = await startBerthd(t);
  const fx = mkdtempSync("/tmp/berth-load-fx-");
  t.after(() => rmSync(fx, { recursive: true, force: true }));
  makeBusyboxArchive(path.join(fx, "bb.tar"), { tag: "busybox:latest" });
  assert.equal((await d.docker(["load", "-q", "-i", path.join(fx, "bb.tar")])).code, 0);

  const ids = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const c = await d.api({ method: "POST", path: `/v1.44/containers/create?name=load${i}`, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Image: "busybox", Cmd: ["sleep", "300"] }) });
      assert.equal(c.status, 201, c.body.toString());
      const id = (c.json as { Id: string }).Id;
      const s = await d.api({ method: "POST", path: `/v1.44/containers/${id}/start` });
      assert.equal(s.status, 204, s.body.toString());
      return id;
    }),
  );
  const list = await d.api({ method: "GET", path: "/v1.44/containers/json" });
  const running = (list.json as Array<{ Id: string; State: string }>).filter((c) => c.State === "running").map((c) => c.Id);
  assert.deepEqual(running.sort(), [...ids].sort());
  assert.equal(conmonsFor(d.dir).length, N);
  assert.equal(cgroupsFor(ids).length > 0, true, "no cgroups found for running containers (probe is wrong)");

  const removed = await Promise.all(ids.map((id) => d.api({ method: "DELETE", path: `/v1.44/containers/${id}?force=1` })));
  for (const r of removed) assert.equal(r.status, 204, r.body.toString());

  const left = await d.api({ method: "GET", path: "/v1.44/containers/json?all=1" });
  assert.deepEqual(left.json, []);
  assert.deepEqual(mountsUnder(d.dataRoot), []);
  assert.deepEqual(cgroupsFor(ids), []);
  assert.deepEqual(conmonsFor(d.dir), []);
  const runcRoot = path.join(d.execRoot, "runc");
  assert.deepEqual(existsSync(runcRoot) ? readdirSync(runcRoot) : [], []);
});
