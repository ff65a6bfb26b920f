/**
 * dockerode 5 (docker-modem), a Docker SDK no one here wrote, against berthd over its unix socket: ping and
 * version, images, a container's whole life with attach (hijacked, stdin included) and demuxed output,
 * logs, exec with stdin over a hijacked connection, archives in and out, stats, and errors as
 * dockerode reports them. Nothing is pulled: busybox is loaded from the fixture.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { PassThrough, type Duplex } from "node:stream";
import { after, before, test } from "node:test";
import Docker from "dockerode";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-dockerode-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

/** Collects a stream's bytes until it ends. */
function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on("data", (c: Buffer) => parts.push(Buffer.from(c)));
    s.on("end", () => resolve(Buffer.concat(parts)));
    s.on("error", reject);
  });
}

/** A tar archive holding one regular file (ustar header, mode 0644). */
function oneFileTar(name: string, body: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148); // the checksum counts its own field as spaces
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512), Buffer.alloc(1024)]);
}

/** Splits docker's multiplexed stream (8-byte frame headers) into stdout and stderr text. */
function demux(buf: Buffer): { out: string; err: string } {
  let out = "";
  let err = "";
  for (let off = 0; off + 8 <= buf.length; ) {
    const n = buf.readUInt32BE(off + 4);
    const body = buf.subarray(off + 8, off + 8 + n).toString("utf8");
    if (buf[off] === 2) err += body;
    else out += body;
    off += 8 + n;
  }
  return { out, err };
}

test("dockerode drives berthd: images, a container's life with attach, logs, exec, archives, stats, errors", async (t) => {
  const tag = Math.random().toString(36).slice(2, 7);
  const d = await startBerthd(t, { args: ["--nft-table", `berth_dr_${tag}`, "--bridge-prefix", `dr${tag}`] });
  assert.equal((await d.docker(["load", "-q", "-i", busybox])).code, 0);
  const docker = new Docker({ socketPath: d.socket });

  assert.equal(String(await docker.ping()), "OK");
  const version = await docker.version();
  assert.match(version.ApiVersion, /^1\.\d+$/);
  const images = await docker.listImages();
  assert.ok(images.some((i) => (i.RepoTags ?? []).includes("busybox:latest")), JSON.stringify(images));
  const image = await docker.getImage("busybox").inspect();
  assert.match(image.Id, /^sha256:[0-9a-f]{64}$/);

  // create, attach before start (stdin too), start, wait: both streams, demuxed by dockerode itself
  const c = await docker.createContainer({
    Image: "busybox",
    Cmd: ["sh", "-c", "read line; echo \"got $line\"; echo to-stderr >&2; exit 3"],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  t.after(() => c.remove({ force: true }).catch(() => undefined));
  const attached = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  c.modem.demuxStream(attached, stdout, stderr);
  const outP = collect(stdout);
  const errP = collect(stderr);
  attached.on("end", () => {
    stdout.end();
    stderr.end();
  });
  await c.start();
  attached.write("hello\n");
  attached.end();
  const waited = (await c.wait()) as { StatusCode: number };
  assert.equal(waited.StatusCode, 3);
  assert.equal((await outP).toString(), "got hello\n");
  assert.equal((await errP).toString(), "to-stderr\n");
  const info = await c.inspect();
  assert.equal(info.State.Status, "exited");
  assert.equal(info.State.ExitCode, 3);

  // logs come back multiplexed, as docker sends them for a container without a TTY
  const logs = demux((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer);
  assert.deepEqual(logs, { out: "got hello\n", err: "to-stderr\n" });

  // a running container: exec with stdin over a hijacked connection, archives, stats, stop
  const r = await docker.createContainer({ Image: "busybox", Cmd: ["sleep", "300"] });
  t.after(() => r.remove({ force: true }).catch(() => undefined));
  await r.start();
  const exec = await r.exec({ Cmd: ["sh", "-c", "cat | tr a-z A-Z"], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const duplex = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  const execOut = collect(duplex);
  duplex.end("shout\n");
  assert.deepEqual(demux(await execOut), { out: "SHOUT\n", err: "" });
  assert.equal((await exec.inspect()).ExitCode, 0);

  const tarIn = oneFileTar("note.txt", Buffer.from("from dockerode\n"));
  await r.putArchive(tarIn, { path: "/tmp" });
  const cat = await r.exec({ Cmd: ["cat", "/tmp/note.txt"], AttachStdout: true, AttachStderr: true });
  const catOut = demux(await collect((await cat.start({})) as unknown as NodeJS.ReadableStream));
  assert.equal(catOut.out, "from dockerode\n");
  const tarOut = await collect(await r.getArchive({ path: "/tmp/note.txt" }));
  assert.equal(tarOut.subarray(0, 8).toString().replace(/\0.*$/, ""), "note.txt");
  assert.equal(tarOut.subarray(512, 512 + 15).toString(), "from dockerode\n");

  const stats = (await r.stats({ stream: false })) as { memory_stats?: { usage?: number }; pids_stats?: { current?: number } };
  assert.ok((stats.memory_stats?.usage ?? 0) > 0, JSON.stringify(stats).slice(0, 300));
  assert.ok((stats.pids_stats?.current ?? 0) >= 1);
  await r.stop({ t: 0 });
  assert.equal((await r.inspect()).State.Running, false);

  // errors reach dockerode with docker's status codes and messages
  await assert.rejects(docker.getContainer("no-such-container").inspect(), (e: { statusCode?: number; json?: { message?: string } }) => {
    assert.equal(e.statusCode, 404);
    assert.match(e.json?.message ?? "", /No such container: no-such-container/);
    return true;
  });
  await assert.rejects(docker.createContainer({ Image: "no-such-image:1" }), (e: { statusCode?: number }) => e.statusCode === 404);

  const listed = await docker.listContainers({ all: true, filters: { status: ["exited"] } });
  assert.ok(listed.some((x) => x.Id === c.id) && listed.some((x) => x.Id === r.id), JSON.stringify(listed.map((x) => [x.Id, x.State])));
});
