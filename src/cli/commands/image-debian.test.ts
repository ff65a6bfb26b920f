import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseDeb822Sources, parseSourcesList, pickSource, readAptSources } from "./apt-sources.js";
import { debootstrapArgs, planDebian } from "./image-debian.js";

function aptDir(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-apt-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "sources.list.d"));
  for (const [n, c] of Object.entries(files)) writeFileSync(path.join(dir, n), c);
  return dir;
}

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

test("deb822 sources: URIs, suites and components per stanza; disabled and deb-src skipped", () => {
  const s = parseDeb822Sources(DEB822 + "\nTypes: deb-src\nURIs: http://src.invalid/\nSuites: sid\n\nTypes: deb\nEnabled: no\nURIs: http://off.invalid/\nSuites: trixie\n", "x.sources");
  assert.deepEqual(s.map((x) => [x.uri, x.suites, x.components]), [
    ["http://deb.debian.org/debian", ["bookworm", "bookworm-updates"], ["main"]],
    ["http://deb.debian.org/debian-security", ["bookworm-security"], ["main"]],
  ]);
});

test("one-line sources.list: options, comments, deb-src", () => {
  const s = parseSourcesList("# c\ndeb-src http://a/ sid main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ trixie main contrib # tail\n", "sources.list");
  assert.deepEqual(s.map((x) => [x.uri, x.suites, x.components]), [["http://mirror.example/debian", ["trixie"], ["main", "contrib"]]]);
});

test("pickSource: the first release suite, or the source carrying the asked suite", () => {
  const s = parseDeb822Sources(DEB822, "d.sources");
  assert.deepEqual(pickSource(s, undefined), { uri: "http://deb.debian.org/debian", suite: "bookworm", components: ["main"] });
  assert.equal(pickSource(s, "bookworm-security")?.uri, "http://deb.debian.org/debian-security");
  assert.equal(pickSource(s, "sid"), undefined);
});

test("readAptSources reads sources.list, *.list and *.sources, ignoring other files", (t) => {
  const dir = aptDir(t, { "sources.list": "deb http://one.example/debian bullseye main\n" });
  writeFileSync(path.join(dir, "sources.list.d", "debian.sources"), DEB822);
  writeFileSync(path.join(dir, "sources.list.d", "x.list"), "deb http://two.example/ debian main\n");
  writeFileSync(path.join(dir, "sources.list.d", "y.sources.disabled"), "Types: deb\nURIs: http://no/\nSuites: no\n");
  const uris = readAptSources(dir).map((s) => s.uri);
  assert.deepEqual(uris, ["http://one.example/debian", "http://deb.debian.org/debian", "http://deb.debian.org/debian-security", "http://two.example"]);
});

test("planDebian: tag required and checked, packages split/sorted/deduplicated, suite and mirror from apt", (t) => {
  const dir = aptDir(t, {});
  writeFileSync(path.join(dir, "sources.list.d", "debian.sources"), DEB822);
  assert.throws(() => planDebian({ "apt-dir": dir }), /a tag is required/);
  assert.throws(() => planDebian({ "apt-dir": dir, tag: ["Bad:Tag"] }), /invalid argument "Bad:Tag" for "-t, --tag" flag/);
  assert.throws(() => planDebian({ "apt-dir": dir, tag: ["x"], packages: ["ok", "bad;rm"] }), /invalid package name/);
  const p = planDebian({ "apt-dir": dir, tag: ["debian-python:bookworm", "py"], packages: ["python3,ca-certificates", "python3"] });
  assert.deepEqual(p.packages, ["ca-certificates", "python3"]);
  assert.equal(p.suite, "bookworm");
  assert.equal(p.mirror, "http://deb.debian.org/debian");
  assert.equal(p.spec, "suite=bookworm mirror=http://deb.debian.org/debian variant=minbase packages=ca-certificates,python3");
  assert.deepEqual(debootstrapArgs(p, "/t"), ["--variant=minbase", "--components=main", "--include=ca-certificates,python3", "bookworm", "/t", "http://deb.debian.org/debian"]);
  assert.throws(() => planDebian({ "apt-dir": dir, tag: ["x"], suite: "sid" }), /carries suite sid: pass --mirror/);
  const m = planDebian({ "apt-dir": dir, tag: ["x"], suite: "sid", mirror: "http://127.0.0.1:9/debian" });
  assert.deepEqual(debootstrapArgs(m, "/t"), ["--variant=minbase", "--components=main", "sid", "/t", "http://127.0.0.1:9/debian"]);
});
