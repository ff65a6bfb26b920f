/** `ps -s`, `inspect -s` and `system df` count what a container wrote on top of its image. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

const loaded = loadedDaemon();
const { ok } = loaded;

test("a container that wrote 2 MB shows it in ps -s, inspect -s and system df", async () => {
  await ok(["run", "--name", "writer", "busybox", "dd", "if=/dev/zero", "of=/blob", "bs=1024", "count=2048"]);
  await ok(["create", "--name", "idle", "busybox", "true"]);
  const rw = Number(await ok(["inspect", "-s", "-f", "{{.SizeRw}}", "writer"]));
  assert.ok(rw >= 2 * 1024 * 1024 && rw < 3 * 1024 * 1024, `SizeRw ${rw}`);
  const rootfs = Number(await ok(["inspect", "-s", "-f", "{{.SizeRootFs}}", "writer"]));
  assert.ok(rootfs > rw, `SizeRootFs ${rootfs} should include the image`);
  const rows = (await ok(["ps", "-as", "--format", "{{.Names}} {{.Size}}"])).split("\n");
  assert.match(rows.find((r) => r.startsWith("writer ")) ?? "", /^writer 2\.1[0-9]?MB \(virtual [\d.]+MB\)$/);
  assert.match(rows.find((r) => r.startsWith("idle ")) ?? "", /^idle 0B \(virtual [\d.]+MB\)$/);
  const df = await ok(["system", "df", "--format", "{{.Type}} {{.Size}}"]);
  assert.match(df, /Containers 2\.\d+MB/);
  // the berth CLI's table is the docker CLI's, containers and volumes rows included
  await ok(["volume", "create", "dfvol"]);
  await ok(["run", "--rm", "-v", "dfvol:/v", "busybox", "dd", "if=/dev/zero", "of=/v/f", "bs=1024", "count=1024"]);
  const dockerTable = await ok(["system", "df"]);
  assert.match(dockerTable, /^Containers\s+2\s+0\s+2\.\d+MB\s+2\.\d+MB \(100%\)$/m);
  assert.match(dockerTable, /^Local Volumes\s+1\s+0\s+1\.049MB\s+1\.049MB \(100%\)$/m);
  const berth = await loaded.d.berth(["system", "df"]);
  assert.equal(berth.code, 0, berth.stderr);
  assert.equal(berth.stdout.trim(), dockerTable);
});
