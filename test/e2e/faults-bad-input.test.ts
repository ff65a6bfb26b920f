/**
 * Hostile and broken input through `berth load`, `docker load`, `import` and raw HTTP: path escapes
 * (`..`, absolute names, symlink then write through it, hardlink to an outside path), corrupt gzip,
 * truncated archives, wrong digests, a decompression bomb, malformed API requests. Each must give a
 * clear error and tag nothing, or — where Docker accepts the input (`..`, absolute names and symlinks
 * are resolved inside the rootfs by Docker 20.10) — stay inside the rootfs; the daemon stays alive and
 * nothing is written outside (canary paths under /tmp). Hardlinks to outside paths must be refused.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, copyFileSync } from "node:fs";
import { connect } from "node:net";
import * as path from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { busyboxRootfs, makeBusyboxArchive } from "../fixtures/busybox.js";
import { writeImageArchive } from "../fixtures/image-archive.js";
import { entryHeader, tarBuffer, type FixtureEntry } from "../fixtures/tar.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";
import { errorMessage } from "../helpers/http.js";
import type { RunResult } from "../helpers/run.js";

interface TC {
  after(fn: () => void | Promise<void>): void;
}

function scratch(t: TC): string {
  const dir = mkdtempSync("/tmp/berth-badinput-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A path under /tmp that must never appear; removed after the test in case it did. */
function canary(t: TC, suffix = ""): string {
  const p = `/tmp/berth-escape-${randomBytes(6).toString("hex")}${suffix}`;
  t.after(() => rmSync(p, { recursive: true, force: true }));
  return p;
}

async function assertHealthy(d: Berthd, what: string): Promise<void> {
  assert.ok(await d.alive(), `berthd died after ${what}`);
  const r = await d.berth(["version", "--format", "{{.Server.Version}}"]);
  assert.equal(r.code, 0, `berthd does not answer after ${what}: ${r.stderr}`);
}

async function tags(d: Berthd): Promise<string> {
  const r = await d.berth(["images", "-a", "--format", "{{.Repository}}:{{.Tag}}"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function assertClearError(r: RunResult, what: string): void {
  assert.notEqual(r.code, 0, `${what} was accepted:\n${r.stdout}`);
  assert.match(r.stderr, /\S/, `${what}: no error message`);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+|TypeError|ReferenceError|undefined/, `${what}: not a clear error: ${r.stderr}`);
}

/** A docker-archive tagged `evil:<name>` whose only layer has these entries on top of nothing. */
function evilArchive(dir: string, name: string, entries: FixtureEntry[]): string {
  const file = path.join(dir, `${name}.tar`);
  writeImageArchive(file, [{ layers: [tarBuffer(entries)], tags: [`evil:${name}`] }]);
  return file;
}

test("layer entries that try to escape the rootfs are refused or kept inside", async (t) => {
  const dir = scratch(t);
  const d = await startBerthd(t);
  const target = canary(t, "-target");
  writeFileSync(target, "original\n");

  const viaDotDot = canary(t);
  const viaAbs = canary(t);
  const viaSymlink = canary(t);
  t.after(() => {
    for (const p of [`${viaDotDot}-d`, `${viaDotDot}-docker`, `${viaDotDot}-import`, `${viaSymlink}-rel`]) rmSync(p, { recursive: true, force: true });
  });
  const cases: { name: string; entries: FixtureEntry[]; mustFail: boolean; escaped: () => boolean }[] = [
    {
      name: "dotdot",
      entries: [{ name: `../../../../../../../../..${viaDotDot}`, data: "pwned\n" }],
      mustFail: false,
      escaped: () => existsSync(viaDotDot),
    },
    {
      name: "dotdot-dir",
      entries: [{ name: "a/", type: "dir" }, { name: `a/../../../../../../../../../..${viaDotDot}-d/`, type: "dir" }],
      mustFail: false,
      escaped: () => existsSync(`${viaDotDot}-d`),
    },
    { name: "absolute", entries: [{ name: viaAbs, data: "pwned\n" }], mustFail: false, escaped: () => existsSync(viaAbs) },
    {
      name: "symlink-write-through",
      entries: [
        { name: "link", type: "symlink", linkname: path.dirname(viaSymlink) },
        { name: `link/${path.basename(viaSymlink)}`, data: "pwned\n" },
      ],
      mustFail: false,
      escaped: () => existsSync(viaSymlink),
    },
    {
      name: "symlink-relative-write-through",
      entries: [
        { name: "up", type: "symlink", linkname: "../../../../../../../../../tmp" },
        { name: `up/${path.basename(viaSymlink)}-rel`, data: "pwned\n" },
      ],
      mustFail: false,
      escaped: () => existsSync(`${viaSymlink}-rel`),
    },
    {
      name: "hardlink-outside",
      entries: [
        { name: "hl", type: "hardlink", linkname: `../../../../../../../../..${target}` },
        { name: "hl", data: "pwned\n" },
      ],
      mustFail: true,
      escaped: () => readFileSync(target, "utf8") !== "original\n" || statSync(target).nlink !== 1,
    },
    {
      name: "hardlink-absolute",
      entries: [{ name: "hl2", type: "hardlink", linkname: target }],
      mustFail: true,
      escaped: () => readFileSync(target, "utf8") !== "original\n" || statSync(target).nlink !== 1,
    },
  ];
  const problems: string[] = [];
  for (const c of cases) {
    const file = evilArchive(dir, c.name, c.entries);
    const r = await d.berth(["load", "-i", file]);
    t.diagnostic(`${c.name}: ${r.code === 0 ? "contained" : `refused: ${r.stderr.trim()}`}`);
    if (c.escaped()) problems.push(`${c.name}: wrote outside the rootfs`);
    if (c.mustFail && r.code === 0) problems.push(`${c.name}: accepted (${r.stdout.trim()})`);
    if (r.code !== 0 && !/\S/.test(r.stderr)) problems.push(`${c.name}: failed without a message`);
    if (r.code !== 0 && (await tags(d)).includes(`evil:${c.name}`)) problems.push(`${c.name}: failed but evil:${c.name} is tagged`);
    if (!(await d.alive())) {
      problems.push(`${c.name}: berthd died`);
      break;
    }
  }
  // The same through the docker CLI, and `import`.
  await d.docker(["load", "-i", evilArchive(dir, "docker-dotdot", [{ name: `../../../../../../../../..${viaDotDot}-docker`, data: "x" }])]);
  if (existsSync(`${viaDotDot}-docker`)) problems.push("docker load of a `..` layer: escaped");
  const rootfs = path.join(dir, "evil-rootfs.tar");
  writeFileSync(rootfs, tarBuffer([{ name: `../../../../../../../../..${viaDotDot}-import`, data: "x" }]));
  await d.berth(["import", rootfs, "evil:import"]);
  if (existsSync(`${viaDotDot}-import`)) problems.push("import of a `..` rootfs: escaped");
  assert.deepEqual(problems, []);
  await assertHealthy(d, "escape attempts");
  assert.doesNotMatch(await tags(d), /evil:hardlink/);
});

test("corrupt gzip, truncated archives and wrong digests give clear errors and tag nothing", async (t) => {
  const dir = scratch(t);
  const d = await startBerthd(t);
  const layer = busyboxRootfs();

  const gz = gzipSync(layer);
  const corruptGz = Buffer.from(gz);
  for (let i = Math.floor(gz.length / 2); i < Math.floor(gz.length / 2) + 64; i++) corruptGz[i] = (corruptGz[i] ?? 0) ^ 0xa5;
  const cases: Record<string, string> = {};

  cases["corrupt gzip layer"] = path.join(dir, "corrupt-layer.tar");
  writeImageArchive(cases["corrupt gzip layer"], [{ layers: [layer], tags: ["bad:corrupt-layer"] }], {
    mutate: (files) => {
      for (const [name, data] of files) if (data.equals(layer)) files.set(name, corruptGz);
    },
  });

  const good = path.join(dir, "good.tar");
  makeBusyboxArchive(good, { tag: "bad:good-source" });
  cases["gzip-compressed archive, corrupted"] = path.join(dir, "corrupt-archive.tar.gz");
  const agz = gzipSync(readFileSync(good));
  for (let i = 2000; i < 2100; i++) agz[i] = (agz[i] ?? 0) ^ 0x5a;
  writeFileSync(cases["gzip-compressed archive, corrupted"], agz);

  cases["truncated archive"] = path.join(dir, "truncated.tar");
  copyFileSync(good, cases["truncated archive"]);
  truncateSync(cases["truncated archive"], Math.floor(statSync(good).size * 0.6));

  cases["truncated gzip layer"] = path.join(dir, "truncated-layer.tar");
  writeImageArchive(cases["truncated gzip layer"], [{ layers: [layer], tags: ["bad:truncated-layer"] }], {
    mutate: (files) => {
      for (const [name, data] of files) if (data.equals(layer)) files.set(name, gz.subarray(0, Math.floor(gz.length / 2)));
    },
  });

  cases["wrong diff_id in config"] = path.join(dir, "wrong-diffid.tar");
  writeImageArchive(cases["wrong diff_id in config"], [{ layers: [layer], tags: ["bad:wrong-diffid"] }], {
    mutate: (files) => {
      for (const [name, data] of files) if (data.equals(layer)) files.set(name, busyboxRootfs({ "etc/extra": "changed\n" }));
    },
  });

  cases["manifest.json names a missing layer"] = path.join(dir, "missing-layer.tar");
  writeImageArchive(cases["manifest.json names a missing layer"], [{ layers: [layer], tags: ["bad:missing-layer"] }], {
    mutate: (files) => {
      for (const [name, data] of files) if (data.equals(layer)) files.delete(name);
    },
  });

  cases["manifest.json is not JSON"] = path.join(dir, "bad-manifest.tar");
  writeImageArchive(cases["manifest.json is not JSON"], [{ layers: [layer], tags: ["bad:bad-manifest"] }], {
    mutate: (files) => {
      files.set("manifest.json", Buffer.from("[{not json"));
      files.set("index.json", Buffer.from("{not json"));
    },
  });

  cases["random bytes"] = path.join(dir, "random.bin");
  writeFileSync(cases["random bytes"], randomBytes(256 * 1024));

  const problems: string[] = [];
  for (const [what, file] of Object.entries(cases)) {
    for (const cli of ["berth", "docker"] as const) {
      const r = await (cli === "berth" ? d.berth(["load", "-i", file]) : d.docker(["load", "-i", file]));
      try {
        assertClearError(r, `${cli} load: ${what}`);
      } catch (e) {
        problems.push((e as Error).message);
      }
      if (!(await d.alive())) problems.push(`${cli} load: ${what}: berthd died`);
    }
  }
  const ri = await d.berth(["import", cases["random bytes"], "bad:import-random"]);
  if (ri.code === 0) problems.push("import of random bytes: accepted");
  const rg = await d.docker(["import", cases["gzip-compressed archive, corrupted"], "bad:import-corrupt"]);
  if (rg.code === 0) problems.push("import of a corrupt gzip: accepted");
  assert.deepEqual(problems, [], problems.join("\n"));
  await assertHealthy(d, "broken archives");
  assert.equal(await tags(d), "", "something got tagged");
});

/**
 * A layer of 12 GiB of zeros in ~12 MB of gzip (concatenated gzip members). berthd must refuse it (a
 * size or ratio limit), quickly, instead of filling the disk.
 */
test("a decompression bomb is refused without filling the disk", { timeout: 300_000 }, async (t) => {
  const dir = scratch(t);
  const d = await startBerthd(t);
  const chunk = 64 * 1024 * 1024;
  const zeros = gzipSync(Buffer.alloc(chunk), { level: 9 });
  const parts: Buffer[] = [];
  const files = 12;
  for (let f = 0; f < files; f++) {
    parts.push(gzipSync(entryHeader({ name: `zero-${f}` }, 16 * chunk)));
    for (let i = 0; i < 16; i++) parts.push(zeros);
  }
  parts.push(gzipSync(Buffer.alloc(1024)));
  const bomb = Buffer.concat(parts);
  const file = path.join(dir, "bomb.tar");
  const fakeDiffId = Buffer.from("x");
  writeImageArchive(file, [{ layers: [fakeDiffId], tags: ["bomb:1"] }], {
    mutate: (fs) => {
      for (const [name, data] of fs) if (data.equals(fakeDiffId)) fs.set(name, bomb);
    },
  });
  t.diagnostic(`bomb archive: ${statSync(file).size} bytes, expands to ${(files * 16 * chunk) / 2 ** 30} GiB`);
  const started = Date.now();
  const r = await d.berth(["load", "-i", file], { timeoutMs: 240_000 });
  const secs = (Date.now() - started) / 1000;
  assertClearError(r, "load of a decompression bomb");
  t.diagnostic(`refused after ${secs.toFixed(1)} s: ${r.stderr.trim()}`);
  await assertHealthy(d, "the bomb");
  assert.equal(await tags(d), "");

  // The same bomb as a rootfs for `import`: no digest to check first, so the expansion budget must stop it.
  const gz = path.join(dir, "bomb.tar.gz");
  writeFileSync(gz, bomb);
  const t0 = Date.now();
  const ri = await d.berth(["import", gz, "bomb:2"], { timeoutMs: 240_000 });
  assertClearError(ri, "import of a decompression bomb");
  assert.match(ri.stderr, /decompression bomb/, ri.stderr);
  t.diagnostic(`import refused after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${ri.stderr.trim()}`);
  await assertHealthy(d, "the import bomb");
  assert.equal(await tags(d), "");
});

test("malformed API requests get 400 with a message; the daemon stays up", async (t) => {
  const d = await startBerthd(t);
  const scratchDir = scratch(t);
  const src = path.join(scratchDir, "bb.tar");
  makeBusyboxArchive(src, { tag: "busybox:latest" });
  assert.equal((await d.berth(["load", "-i", src])).code, 0);
  const q = (o: unknown): string => encodeURIComponent(JSON.stringify(o));
  const reqs: { method: string; path: string; body?: Buffer | string; headers?: Record<string, string>; status?: number }[] = [
    { method: "GET", path: "/images/json?filters=%7Bnot-json" },
    { method: "GET", path: `/images/json?filters=${q({ bogus: ["x"] })}` },
    { method: "GET", path: `/images/json?filters=${q({ dangling: ["maybe"] })}` },
    { method: "POST", path: "/images/busybox/tag?repo=Bad%20Repo&tag=x" },
    { method: "POST", path: "/images/busybox/tag?repo=ok&tag=bad%20tag" },
    // (repo=UPPER/case is valid: docker reads "UPPER" as a registry host, as dockerd does)
    { method: "POST", path: "/images/busybox/tag?repo=Upper" },
    { method: "POST", path: "/images/create?fromSrc=-&repo=UPPER", body: busyboxRootfs(), headers: { "Content-Type": "application/x-tar" } },
    { method: "POST", path: "/images/create?fromImage=Not%20A%20Ref" },
    { method: "POST", path: `/images/prune?filters=${q({ dangling: ["nope"] })}` },
    { method: "POST", path: `/images/prune?filters=${q({ bogus: ["x"] })}` },
    { method: "GET", path: "/events?since=not-a-time&until=1" },
    { method: "GET", path: "/images/get?names=%3A%3A%3Abad" },
    { method: "GET", path: "/v9.99/version" },
    { method: "GET", path: "/v1.0/version" },
    { method: "GET", path: `/system/df?type=bogus` },
  ];
  const problems: string[] = [];
  for (const r of reqs) {
    const res = await d.api({ method: r.method, path: r.path, ...(r.body !== undefined ? { body: r.body } : {}), ...(r.headers ? { headers: r.headers } : {}) });
    if (res.status !== (r.status ?? 400)) problems.push(`${r.method} ${r.path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
    else if (errorMessage(res) === "") problems.push(`${r.method} ${r.path}: no {"message"} body: ${res.body.toString().slice(0, 200)}`);
  }
  // Not HTTP at all.
  await new Promise<void>((resolve) => {
    const s = connect(d.socket, () => s.end("GARBAGE \x00\x01\x02 NOT HTTP\r\n\r\n"));
    s.on("error", () => resolve());
    s.on("close", () => resolve());
    s.resume();
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 3_000);
  });
  assert.deepEqual(problems, [], problems.join("\n"));
  await assertHealthy(d, "malformed requests");
  assert.equal(await tags(d), "busybox:latest");
});
