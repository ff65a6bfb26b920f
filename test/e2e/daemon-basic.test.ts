/**
 * berthd end to end: the real docker CLI against a real berthd on temp dirs (registries restricted
 * to loopback): version, info, system df, events since/until; one daemon per data root.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { BERTHD_JS, startBerthd } from "../helpers/daemon.js";
import { run } from "../helpers/run.js";

test("docker version/info/system df/events against berthd", async (t) => {
  const d = await startBerthd(t);
  assert.equal(statSync(d.socket).mode & 0o777, 0o660, "socket mode 0660");
  assert.equal(statSync(d.dataRoot).mode & 0o777, 0o711, "data root mode 0711");

  const v = await d.docker(["version"]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /Server: berth/);
  assert.match(v.stdout, /API version:\s+1\.44 \(minimum version 1\.24\)/);

  const since = Math.floor(Date.now() / 1000) - 1;
  const info = await d.docker(["info"]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /Storage Driver: (overlay2|native)/);
  assert.match(info.stdout, /Images: 0/);
  assert.match(info.stdout, /Cgroup Driver: cgroupfs/);
  assert.match(info.stdout, new RegExp(`Docker Root Dir: ${d.dataRoot}`));
  assert.doesNotMatch(info.stderr, /WARNING|error/i);

  const df = await d.docker(["system", "df"]);
  assert.equal(df.code, 0, df.stderr);
  assert.match(df.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE/);
  assert.match(df.stdout, /Images\s+0\s+0\s+0B/);

  const fmt = await d.docker(["info", "--format", "{{.OSType}}/{{.Driver}}/{{json .Plugins.Network}}"]);
  assert.equal(fmt.code, 0, fmt.stderr);
  assert.match(fmt.stdout.trim(), /^linux\/(overlay2|native)\/\["bridge","host","none"\]$/);

  const until = Math.ceil(Date.now() / 1000) + 1;
  const ev = await d.docker(["events", "--since", String(since), "--until", String(until), "--format", "{{.Type}} {{.Action}}"], { timeoutMs: 15_000 });
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /^daemon start$/m);

  const filtered = await d.docker(["events", "--since", String(since), "--until", String(until), "--filter", "type=image"], { timeoutMs: 15_000 });
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.equal(filtered.stdout.trim(), "");

  const pull = await d.docker(["pull", "busybox"]);
  assert.notEqual(pull.code, 0);
  assert.match(pull.stderr, /registry docker\.io is not allowed/);

  const raw = await d.api({ method: "GET", path: "/v1.99/version" });
  assert.equal(raw.status, 400);
  assert.deepEqual(raw.json, { message: "client version 1.99 is too new. Maximum supported API version is 1.44" });
});

test("a second daemon on the same data root is refused; unknown flags fail", async (t) => {
  const d = await startBerthd(t);
  const second = await run(process.execPath, [BERTHD_JS, "--data-root", d.dataRoot, "--exec-root", path.join(d.dir, "exec2"), "-H", `unix://${path.join(d.dir, "second.sock")}`], { timeoutMs: 20_000 });
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`another berthd \\(pid ${d.pid ?? 0}\\)`));
  assert.ok(await d.alive(), "the first daemon still answers");

  const sameSock = await run(process.execPath, [BERTHD_JS, "--data-root", path.join(d.dir, "data2"), "--exec-root", path.join(d.dir, "exec3"), "-H", d.host], { timeoutMs: 20_000 });
  assert.equal(sameSock.code, 1);
  assert.match(sameSock.stderr, /is in use by another daemon/);
  assert.ok(await d.alive());

  const bad = await run(process.execPath, [BERTHD_JS, "--no-such-flag"], { timeoutMs: 20_000 });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown flag: --no-such-flag/);
});
