/** `ps -s`, `inspect -s` and `system df` count what a container wrote on top of its image. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

const { ok } = loadedDaemon();

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
});
