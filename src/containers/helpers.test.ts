import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDetachKeys, DEFAULT_DETACH_KEYS } from "./detach-keys.js";
import { humanDuration } from "../util/human-duration.js";
import { generateName, nameInUseMessage, normalizeName } from "./names.js";
import { mergeConfig } from "./merge-config.js";
import { containerHosts, containerResolvConf, extraHostRecords } from "./etc-files.js";
import { explainExecutable, hostArch } from "./explain-exec.js";

test("detach keys", () => {
  assert.deepEqual(parseDetachKeys(undefined), DEFAULT_DETACH_KEYS);
  assert.deepEqual([...parseDetachKeys("ctrl-x,a")], [24, 97]);
  assert.deepEqual([...parseDetachKeys("ctrl-p,ctrl-q")], [16, 17]);
  assert.throws(() => parseDetachKeys("ctrl-xx"), /Invalid detach keys/);
});

test("humanDuration matches go-units", () => {
  assert.equal(humanDuration(500), "Less than a second");
  assert.equal(humanDuration(1000), "1 second");
  assert.equal(humanDuration(5000), "5 seconds");
  assert.equal(humanDuration(75_000), "About a minute");
  assert.equal(humanDuration(5 * 60_000), "5 minutes");
  assert.equal(humanDuration(3600_000), "About an hour");
  assert.equal(humanDuration(3 * 3600_000), "3 hours");
  assert.equal(humanDuration(3 * 86400_000), "3 days");
});

test("names", () => {
  assert.match(generateName(), /^[a-z]+_[a-z]+$/);
  assert.equal(normalizeName("xy"), "/xy");
  // docker's pattern needs two characters: `docker run --name x` is refused too.
  assert.throws(() => normalizeName("x"), /Invalid container name \(x\)/);
  assert.equal(normalizeName("/web.1"), "/web.1");
  assert.throws(() => normalizeName("a b"), /Invalid container name/);
  assert.match(nameInUseMessage("/x", "abc"), /^Conflict\. The container name "\/x" is already in use by container "abc"\./);
});

test("mergeConfig follows docker's Entrypoint/Cmd and Env rules", () => {
  const img = { Entrypoint: ["/ep"], Cmd: ["sh"], Env: ["PATH=/bin", "A=1"], WorkingDir: "/w", Labels: { a: "1" } };
  const m1 = mergeConfig({ Cmd: ["echo", "hi"], Env: ["A=2", "B=3"] }, img);
  assert.deepEqual(m1.Entrypoint, ["/ep"]);
  assert.deepEqual(m1.Cmd, ["echo", "hi"]);
  assert.deepEqual(m1.Env, ["PATH=/bin", "A=2", "B=3"]);
  assert.equal(m1.WorkingDir, "/w");
  const m2 = mergeConfig({ Entrypoint: ["/bin/true"] }, img);
  assert.deepEqual(m2.Entrypoint, ["/bin/true"]);
  assert.equal(m2.Cmd, null);
  const m3 = mergeConfig({ Entrypoint: [] }, img);
  assert.equal(m3.Entrypoint, null);
  const m4 = mergeConfig({ Labels: { b: "2" } }, img);
  assert.deepEqual(m4.Labels, { a: "1", b: "2" });
  assert.deepEqual(m4.Cmd, ["sh"]);
});

test("resolv.conf drops loopback nameservers; hosts has localhost", () => {
  const r = containerResolvConf("nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch lan\n");
  assert.equal(r, "nameserver 10.0.0.2\nsearch lan\n");
  assert.match(containerResolvConf("", ["1.1.1.1"]), /^nameserver 1\.1\.1\.1\n$/);
  assert.match(containerHosts("abc"), /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(containerHosts("abc", "172.17.0.2"), /^172\.17\.0\.2\tabc$/m);
});

test("--add-host entries go before the container's own line; host-gateway is the bridge gateway", () => {
  const extra = extraHostRecords(["db:10.1.2.3", "v6:::1", "gw:host-gateway"], "172.18.0.1");
  assert.deepEqual(extra, [{ host: "db", ip: "10.1.2.3" }, { host: "v6", ip: "::1" }, { host: "gw", ip: "172.18.0.1" }]);
  const lines = containerHosts("abc", "172.18.0.5", extra).trimEnd().split("\n");
  assert.deepEqual(lines.slice(-4), ["10.1.2.3\tdb", "::1\tv6", "172.18.0.1\tgw", "172.18.0.5\tabc"]);
  assert.throws(() => extraHostRecords(["gw:host-gateway"], undefined), /unable to derive the IP value for host-gateway/);
});

test("explainExecutable: foreign ELF and CRLF shebang", () => {
  const elf = Buffer.alloc(64);
  elf.write("\x7fELF", 0, "latin1");
  elf[5] = 1;
  elf.writeUInt16LE(hostArch() === "arm64" ? 62 : 183, 18);
  const p = explainExecutable("/app", elf);
  assert.equal(p?.exitCode, 126);
  assert.match(p?.message ?? "", /exec format error: \/app is built for (arm64|amd64)/);
  const crlf = explainExecutable("/run.sh", Buffer.from("#!/bin/sh\r\necho hi\r\n"));
  assert.equal(crlf?.exitCode, 127);
  assert.match(crlf?.message ?? "", /no such file or directory.*CRLF/);
  assert.equal(explainExecutable("/ok.sh", Buffer.from("#!/bin/sh\necho\n")), undefined);
});
