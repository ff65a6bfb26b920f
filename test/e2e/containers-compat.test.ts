/**
 * Cross-client compatibility of the container commands: test/e2e/scenarios/containers.txt, run in
 * lockstep by berth and by the real docker CLI against ONE berthd per section. Each side names its
 * containers with its own prefix (${p}: "bside" or "dside", shown as <p>), so the two never collide.
 * With BERTH_TEST_REFERENCE=dockerd the same file runs against Debian's dockerd, which is how its
 * expectations were checked (with BERTH_TEST_BOTH_DOCKER=1, both sides use the docker CLI).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { REPO_ROOT, startBerthd, tail, type Berthd } from "../helpers/daemon.js";
import { loadScenarios, runStep, type Side } from "../helpers/scenario.js";

const fx = mkdtempSync("/tmp/berth-ctr-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

const sections = loadScenarios(path.join(REPO_ROOT, "test", "e2e", "scenarios", "containers.txt"));

for (const section of sections) {
  describe(`containers scenario: ${section.title}`, () => {
    let sides: [Side, Side] | undefined;
    let daemon: Berthd | undefined;
    const scratch: string[] = [];
    let failed = false;
    before(async () => {
      daemon = await startBerthd();
      const d = daemon;
      const mk = (name: "berth" | "docker"): Side => {
        const tmp = mkdtempSync(`/tmp/berth-ctr-${name}-`);
        scratch.push(tmp);
        writeFileSync(path.join(tmp, "in.txt"), "hello from the host\nsecond line\n");
        const vars = new Map([
          ["tmp", tmp],
          ["busybox", busybox],
          ["p", name === "berth" ? "bside" : "dside"],
        ]);
        // BERTH_TEST_BOTH_DOCKER=1 drives both sides with the docker CLI (to check the file itself against dockerd).
        const useBerth = name === "berth" && process.env["BERTH_TEST_BOTH_DOCKER"] !== "1";
        return { name, daemon: d, cli: useBerth ? d.berth : d.docker, vars };
      };
      sides = [mk("berth"), mk("docker")];
      const r = await d.docker(["load", "-i", busybox]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => {
      if (daemon) {
        if (failed) console.error(`--- berthd log ${daemon.logFile}\n${tail(daemon.log(), 80)}`);
        // Containers first, so cleanup never has to fight running processes.
        const ls = await daemon.docker(["ps", "-aq"]);
        const all = ls.stdout.split("\n").filter((s) => s !== "");
        if (all.length > 0) await daemon.docker(["rm", "-f", ...all]);
        await daemon.cleanup();
      }
      for (const s of scratch) rmSync(s, { recursive: true, force: true });
    });
    for (const check of section.checks) {
      test(`L${check.line}: ${check.text}`, async () => {
        assert.ok(sides, "daemon did not start");
        const errs = await runStep(check, sides[0], sides[1]);
        if (errs.length) failed = true;
        assert.deepEqual(errs, [], errs.join("\n\n"));
      });
    }
  });
}
