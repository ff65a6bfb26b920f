/**
 * Start errors that explain themselves, through the docker CLI against berthd: a missing command, a
 * script whose interpreter line ends in CR, a binary for another CPU, and a working directory through
 * /proc/self/fd (refused: such a path can reach a descriptor outside the container).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadedDaemon } from "../helpers/loaded-daemon.js";

/** A minimal ELF64 header for aarch64 (e_machine 183): enough for the kernel to refuse it on amd64. */
function foreignElf(): Buffer {
  const b = Buffer.alloc(64);
  b.write("\x7fELF", 0, "latin1");
  b[4] = 2; // 64-bit
  b[5] = 1; // little endian
  b[6] = 1; // version
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(process.arch === "arm64" ? 62 : 183, 18);
  b.writeUInt32LE(1, 20);
  return b;
}

const ld = loadedDaemon({
  tag: "explain:latest",
  entries: [
    { name: "crlf.sh", mode: 0o755, data: "#!/bin/sh\r\necho hi\r\n" },
    { name: "foreign", mode: 0o755, data: foreignElf() },
  ],
});

test("a missing command exits 127 with docker's message, and --rm leaves nothing", async () => {
  const r = await ld.d.docker(["run", "--rm", "--pull=never", "explain", "no-such-cmd"]);
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /exec: "no-such-cmd": executable file not found in \$PATH/);
  assert.equal((await ld.d.docker(["ps", "-aq"])).stdout.trim(), "");
});

test("a script with CRLF line endings: the error names the carriage return", async () => {
  const r = await ld.d.docker(["run", "--rm", "--pull=never", "explain", "/crlf.sh"]);
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /"#!\/bin\/sh" ends in a carriage return/);
});

test("a binary for another CPU: the error names both architectures", async () => {
  const r = await ld.d.docker(["run", "--rm", "--pull=never", "explain", "/foreign"]);
  assert.notEqual(r.code, 0);
  const want = process.arch === "arm64" ? "amd64" : "arm64";
  assert.match(r.stderr, new RegExp(`/foreign is built for ${want}, this host is`), r.stderr);
});

test("a working directory through /proc/self/fd is refused", async () => {
  const r = await ld.d.docker(["run", "--rm", "--pull=never", "-w", "/proc/self/fd/7", "explain", "pwd"]);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /working directory '\/proc\/self\/fd\/7' is invalid/);
  assert.equal((await ld.d.docker(["ps", "-aq"])).stdout.trim(), "", "the --rm container stayed behind");
});
