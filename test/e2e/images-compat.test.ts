/**
 * Cross-client compatibility of the image commands: test/e2e/scenarios/images.txt run in lockstep by
 * berth and by the real docker CLI (each against its own berthd that goes through the same steps),
 * plus read-only checks with both CLIs against ONE berthd, and save/load across the two CLIs.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { makeBusyboxArchive, makeRootfsTar } from "../fixtures/busybox.js";
import { DOCKER_SAVED } from "../fixtures/docker-saved.js";
import { columns, compareOnOne, ids, relativeTimes, sortedRows, timestamps } from "../helpers/compare.js";
import { REPO_ROOT, startBerthd, tail, type Berthd } from "../helpers/daemon.js";
import { loadScenarios, runStep, type Side } from "../helpers/scenario.js";

const fx = mkdtempSync("/tmp/berth-compat-fx-");
const files = {
  busybox: path.join(fx, "busybox.tar"),
  rootfs: path.join(fx, "rootfs.tar"),
  garbage: path.join(fx, "garbage.bin"),
};
before(() => {
  makeBusyboxArchive(files.busybox, { tag: "busybox:latest" });
  makeRootfsTar(files.rootfs);
  writeFileSync(files.garbage, randomBytes(64 * 1024));
});
after(() => rmSync(fx, { recursive: true, force: true }));

const sections = loadScenarios(path.join(REPO_ROOT, "test", "e2e", "scenarios", "images.txt"));

for (const section of sections) {
  describe(`scenario: ${section.title}`, () => {
    let sides: [Side, Side] | undefined;
    const scratch: string[] = [];
    const daemons: Berthd[] = [];
    let failed = false;
    before(async () => {
      const [a, b] = await Promise.all([startBerthd(), startBerthd()]);
      daemons.push(a, b);
      const mk = (name: "berth" | "docker", d: typeof a): Side => {
        const tmp = mkdtempSync(`/tmp/berth-compat-${name}-`);
        scratch.push(tmp);
        const vars = new Map([
          ["tmp", tmp],
          ["busybox", files.busybox],
          ["rootfs", files.rootfs],
          ["garbage", files.garbage],
          ["docker-saved", DOCKER_SAVED.file],
        ]);
        return { name, daemon: d, cli: name === "berth" ? d.berth : d.docker, vars };
      };
      sides = [mk("berth", a), mk("docker", b)];
    });
    after(async () => {
      for (const d of daemons) {
        if (failed) console.error(`--- berthd log ${d.logFile}\n${tail(d.log(), 60)}`);
        await d.cleanup();
      }
      for (const s of scratch) rmSync(s, { recursive: true, force: true });
    });
    for (const check of section.checks) {
      test(`L${check.line}: ${check.text}`, async () => {
        assert.ok(sides, "daemons did not start");
        const errs = await runStep(check, sides[0], sides[1]);
        if (errs.length) failed = true;
        assert.deepEqual(errs, [], errs.join("\n\n"));
      });
    }
  });
}

describe("both CLIs against one berthd", () => {
  test("read-only commands agree", async (t) => {
    const d = await startBerthd(t);
    for (const file of [files.busybox, DOCKER_SAVED.file]) {
      const r = await d.docker(["load", "-i", file]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await d.docker(["tag", "busybox", "one/bb:x"])).code, 0);
    const ns = { normalisers: [relativeTimes, timestamps, columns, sortedRows] };
    const argvs = [
      ["images"],
      ["images", "-a", "--digests", "--no-trunc"],
      ["images", "--format", "{{json .}}"],
      ["image", "inspect", "busybox", DOCKER_SAVED.tags[0]],
      ["history", "--no-trunc", "busybox"],
      ["history", DOCKER_SAVED.tags[1]],
      ["system", "df"],
      ["info", "--format", "{{.Images}} {{.Driver}}"],
      ["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"],
      ["rmi", "nosuch:tag"],
    ];
    const problems: string[] = [];
    for (const argv of argvs) {
      try {
        await compareOnOne(d, argv, ns);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    assert.deepEqual(problems, [], problems.join("\n\n"));
  });

  test("save by one CLI loads with the other, with the same ID and bytes", async (t) => {
    const d = await startBerthd(t);
    const dir = mkdtempSync("/tmp/berth-compat-save-");
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const loaded = await d.berth(["load", "-i", files.busybox]);
    assert.equal(loaded.code, 0, loaded.stderr);
    const id = (await d.berth(["image", "inspect", "-f", "{{.Id}}", "busybox"])).stdout.trim();
    const byBerth = path.join(dir, "by-berth.tar");
    const byDocker = path.join(dir, "by-docker.tar");
    assert.equal((await d.berth(["save", "-o", byBerth, "busybox"])).code, 0);
    assert.equal((await d.docker(["save", "-o", byDocker, "busybox"])).code, 0);
    assert.ok(readFileSync(byBerth).equals(readFileSync(byDocker)), "berth save and docker save give different bytes");
    assert.equal((await d.berth(["rmi", "busybox"])).code, 0);
    const l1 = await d.docker(["load", "-i", byBerth]);
    assert.equal(l1.code, 0, l1.stderr);
    assert.equal((await d.docker(["image", "inspect", "-f", "{{.Id}}", "busybox"])).stdout.trim(), id);
    assert.equal((await d.docker(["rmi", "busybox"])).code, 0);
    const l2 = await d.berth(["load", "-i", byDocker]);
    assert.equal(l2.code, 0, l2.stderr);
    assert.equal((await d.berth(["image", "inspect", "-f", "{{.Id}}", "busybox"])).stdout.trim(), id);
  });

  test("import gives the same image shape through either CLI", async (t) => {
    const d = await startBerthd(t);
    const a = await d.berth(["import", "--change", "CMD [\"sh\"]", "-m", "m", files.rootfs, "imp:berth"]);
    const b = await d.docker(["import", "--change", "CMD [\"sh\"]", "-m", "m", files.rootfs, "imp:docker"]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const fmt = "{{json .Config.Cmd}} {{.Comment}} {{.Size}} {{json .RootFS.Layers}}";
    const ia = await d.berth(["image", "inspect", "-f", fmt, "imp:berth"]);
    const ib = await d.berth(["image", "inspect", "-f", fmt, "imp:docker"]);
    assert.equal(ids(ia.stdout), ids(ib.stdout));
    assert.match(ia.stdout, /^\["sh"\] m \d+ \["sha256:[0-9a-f]{64}"\]\n$/);
  });
});
