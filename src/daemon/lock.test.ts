import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const lockModule = path.join(path.dirname(fileURLToPath(import.meta.url)), "lock.js");

/** One contender: tries the lock, prints won/lost, holds a won lock for a while. */
function contend(dir: string): Promise<string> {
  const script = `
    const { acquireDataRootLock } = await import(${JSON.stringify(lockModule)});
    try { acquireDataRootLock(${JSON.stringify(dir)}); process.stdout.write("won"); await new Promise((r) => setTimeout(r, 1000)); }
    catch (e) { process.stdout.write(/already running/.test(e.message) ? "lost" : "error: " + e.message); }`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.on("error", reject);
    c.on("exit", () => resolve(out));
  });
}

test("data-root lock: of several daemons racing for a stale lock, exactly one wins", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-lockrace-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (let round = 0; round < 2; round++) {
    writeFileSync(path.join(dir, "berthd.lock"), "999999999\n"); // stale
    const results = await Promise.all([contend(dir), contend(dir), contend(dir), contend(dir)]);
    assert.deepEqual(results.filter((r) => r === "won").length, 1, results.join(","));
    assert.deepEqual(results.filter((r) => r === "lost").length, 3, results.join(","));
  }
});
