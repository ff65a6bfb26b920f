/**
 * Volumes with the real docker CLI against berthd: named volumes shared between containers, host
 * binds, :ro, volume ls/inspect/rm/prune, in-use refusal, anonymous volumes and rm -v, copy-up of
 * image content, and an image whose /data is a symlink to /etc (the mount stays inside the rootfs).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-volumes-fx-");
const busybox = path.join(fx, "busybox.tar");
const linky = path.join(fx, "linky.tar");
const seeded = path.join(fx, "seeded.tar");
before(() => {
  makeBusyboxArchive(busybox, { tag: "busybox:latest" });
  makeBusyboxArchive(linky, { tag: "linky:latest", entries: [{ name: "data", type: "symlink", linkname: "/etc" }] });
  makeBusyboxArchive(seeded, { tag: "seeded:latest", extra: { "/data/hello.txt": "from the image\n" } });
});
after(() => rmSync(fx, { recursive: true, force: true }));

let shared: Berthd | undefined;
async function daemon(t: Parameters<typeof startBerthd>[0]): Promise<Berthd> {
  const d = await startBerthd(t);
  for (const tar of [busybox, linky, seeded]) {
    const r = await d.docker(["load", "-q", "-i", tar]);
    assert.equal(r.code, 0, r.stderr);
  }
  shared = d;
  return d;
}

async function ok(d: Berthd, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function fails(d: Berthd, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.notEqual(r.code, 0, `docker ${args.join(" ")} should fail: ${r.stdout}`);
  return r.stderr.trim();
}

test("volumes with the docker CLI", async (t) => {
  const d = await daemon(t);

  await t.test("volume create; a file written through -v data:/d is read by another container", async () => {
    assert.equal(await ok(d, ["volume", "create", "data"]), "data");
    await ok(d, ["run", "--rm", "-v", "data:/d", "busybox", "sh", "-c", "echo hello > /d/f"]);
    assert.equal(await ok(d, ["run", "--rm", "-v", "data:/d", "busybox", "cat", "/d/f"]), "hello");
    const mp = await ok(d, ["volume", "inspect", "-f", "{{.Mountpoint}}", "data"]);
    assert.equal(mp, path.join(d.dataRoot, "volumes", "data", "_data"));
    assert.equal(readFileSync(path.join(mp, "f"), "utf8"), "hello\n");
    // ps --filter volume= by name or destination; publish/expose by container port
    const holder = await ok(d, ["create", "-v", "data:/d", "--expose", "9000", "-p", "127.0.0.1::7000", "busybox", "true"]);
    const other = await ok(d, ["create", "busybox", "true"]);
    const ids = async (f: string): Promise<string> => ok(d, ["ps", "-aq", "--no-trunc", "--filter", f]);
    assert.equal(await ids("volume=data"), holder);
    assert.equal(await ids("volume=/d"), holder);
    assert.equal(await ids("expose=9000"), holder);
    assert.equal(await ids("publish=7000/tcp"), holder);
    assert.equal(await ids("publish=9000"), "");
    await ok(d, ["rm", holder, other]);
  });

  await t.test("-v <dir>:/d shows host files inside and container writes on the host; :ro denies writes", async () => {
    const host = mkdtempSync("/tmp/berth-vol-host-");
    try {
      writeFileSync(path.join(host, "in.txt"), "from host\n");
      assert.equal(await ok(d, ["run", "--rm", "-v", `${host}:/d`, "busybox", "cat", "/d/in.txt"]), "from host");
      await ok(d, ["run", "--rm", "-v", `${host}:/d`, "busybox", "sh", "-c", "echo from container > /d/out.txt"]);
      assert.equal(readFileSync(path.join(host, "out.txt"), "utf8"), "from container\n");
      const r = await d.docker(["run", "--rm", "-v", `${host}:/d:ro`, "busybox", "sh", "-c", "echo x > /d/ro.txt"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Read-only file system/);
      assert.ok(!existsSync(path.join(host, "ro.txt")));
      const r2 = await d.docker(["run", "--rm", "-v", "data:/d:ro", "busybox", "touch", "/d/x"]);
      assert.notEqual(r2.code, 0);
      // --volumes-from carries the source's bind mounts too (read-only with :ro), as docker copies them
      await ok(d, ["create", "--name", "bindsrc", "-v", `${host}:/hb`, "busybox", "true"]);
      assert.equal(await ok(d, ["run", "--rm", "--volumes-from", "bindsrc", "busybox", "cat", "/hb/in.txt"]), "from host");
      const heir = await ok(d, ["create", "--volumes-from", "bindsrc:ro", "busybox", "touch", "/hb/nope"]);
      assert.equal(await ok(d, ["inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}}{{end}}", heir]), `bind ${host} /hb false`);
      const roRun = await d.docker(["start", "-a", heir]);
      assert.notEqual(roRun.code, 0);
      assert.ok(!existsSync(path.join(host, "nope")));
      await ok(d, ["rm", heir, "bindsrc"]);
      // a missing host dir is created, as docker does
      const missing = path.join(host, "new", "sub");
      await ok(d, ["run", "--rm", "-v", `${missing}:/m`, "busybox", "true"]);
      assert.ok(existsSync(missing));
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  await t.test("volume ls / inspect / rm / bad names", async () => {
    await ok(d, ["volume", "create", "--label", "team=a", "labeled"]);
    const ls = await ok(d, ["volume", "ls"]);
    assert.match(ls, /^DRIVER\s+VOLUME NAME/);
    assert.match(ls, /local\s+data/);
    assert.match(ls, /local\s+labeled/);
    assert.equal(await ok(d, ["volume", "ls", "-q", "--filter", "label=team=a"]), "labeled");
    assert.equal(await ok(d, ["volume", "ls", "-q", "--filter", "name=abel"]), "labeled");
    const insp = JSON.parse(await ok(d, ["volume", "inspect", "labeled"])) as Array<Record<string, unknown>>;
    assert.equal(insp.length, 1);
    const v = insp[0] ?? {};
    assert.equal(v["Name"], "labeled");
    assert.equal(v["Driver"], "local");
    assert.equal(v["Scope"], "local");
    assert.deepEqual(v["Labels"], { team: "a" });
    assert.equal(v["Mountpoint"], path.join(d.dataRoot, "volumes", "labeled", "_data"));
    assert.match(String(v["CreatedAt"]), /^\d{4}-\d\d-\d\dT/);
    assert.match(await fails(d, ["volume", "inspect", "nosuch"]), /no such volume/i);
    const nf = await d.api({ method: "GET", path: "/volumes/nosuch" });
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json, { message: "get nosuch: no such volume" });
    const cr = await d.api({ method: "POST", path: "/v1.44/volumes/create", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Name: "viaapi", Labels: { x: "y" } }) });
    assert.equal(cr.status, 201);
    assert.equal((cr.json as { Name?: string }).Name, "viaapi");
    assert.equal((await d.api({ method: "DELETE", path: "/volumes/viaapi" })).status, 204);
    assert.equal((await d.api({ method: "DELETE", path: "/volumes/viaapi" })).status, 404);
    assert.equal((await d.api({ method: "DELETE", path: "/volumes/viaapi?force=1" })).status, 204);
    const bad = await d.api({ method: "GET", path: `/volumes?filters=${encodeURIComponent(JSON.stringify({ bogus: ["1"] }))}` });
    assert.equal(bad.status, 400);
    assert.match(await fails(d, ["volume", "create", "bad/name"]), /includes invalid characters for a local volume name/);
    assert.match(await fails(d, ["volume", "create", "--opt", "bogus=1", "x1"]), /invalid option: "bogus"/);
    assert.equal(await ok(d, ["volume", "rm", "labeled"]), "labeled");
    assert.ok(!(await ok(d, ["volume", "ls", "-q"])).split("\n").includes("labeled"));
  });

  await t.test("an in-use volume cannot be removed (409 text)", async () => {
    const id = await ok(d, ["create", "-v", "data:/d", "busybox", "true"]);
    const err = await fails(d, ["volume", "rm", "data"]);
    assert.match(err, new RegExp(`remove data: volume is in use - \\[${id}\\]`));
    const res = await d.api({ method: "DELETE", path: "/volumes/data" });
    assert.equal(res.status, 409);
    assert.equal(await ok(d, ["volume", "ls", "-q", "--filter", "dangling=true"]).then((s) => s.split("\n").includes("data")), false);
    await ok(d, ["rm", id]);
    assert.ok((await ok(d, ["volume", "ls", "-q", "--filter", "dangling=true"])).split("\n").includes("data"));
  });

  await t.test("anonymous volume: inspect's Mounts, removed by rm -v, kept by plain rm", async () => {
    const id = await ok(d, ["create", "-v", "/anon", "busybox", "true"]);
    const mounts = JSON.parse(await ok(d, ["inspect", "-f", "{{json .Mounts}}", id])) as Array<Record<string, unknown>>;
    assert.equal(mounts.length, 1);
    const m = mounts[0] ?? {};
    assert.equal(m["Type"], "volume");
    assert.equal(m["Destination"], "/anon");
    assert.match(String(m["Name"]), /^[0-9a-f]{64}$/);
    const name = String(m["Name"]);
    assert.ok((await ok(d, ["volume", "ls", "-q"])).split("\n").includes(name));
    await ok(d, ["rm", "-v", id]);
    assert.ok(!(await ok(d, ["volume", "ls", "-q"])).split("\n").includes(name));
    const id2 = await ok(d, ["create", "-v", "/anon2", "busybox", "true"]);
    const name2 = await ok(d, ["inspect", "-f", "{{(index .Mounts 0).Name}}", id2]);
    await ok(d, ["rm", id2]);
    assert.ok((await ok(d, ["volume", "ls", "-q"])).split("\n").includes(name2));
    // --rm removes the anonymous volumes of the container
    const countBefore = (await ok(d, ["volume", "ls", "-q"])).split("\n").length;
    await ok(d, ["run", "--rm", "-v", "/anon3", "busybox", "true"]);
    assert.equal((await ok(d, ["volume", "ls", "-q"])).split("\n").length, countBefore);
    // prune (API ≥ 1.42) removes the anonymous one and keeps named "data"
    const pruned = await ok(d, ["volume", "prune", "-f"]);
    assert.match(pruned, new RegExp(name2));
    assert.doesNotMatch(pruned, /\bdata\b/);
    assert.ok((await ok(d, ["volume", "ls", "-q"])).split("\n").includes("data"));
    const all = await ok(d, ["volume", "prune", "-f", "--all"]);
    assert.match(all, /\bdata\b/);
  });

  await t.test("--mount type=volume|bind|tmpfs and --tmpfs; a bind with a missing source is docker's error", async () => {
    const out = await ok(d, ["run", "--rm", "--mount", "type=volume,source=mvol,target=/m", "--mount", "type=tmpfs,target=/t,tmpfs-size=1048576", "--tmpfs", "/t2", "busybox", "sh", "-c", "echo v > /m/f && grep -E ' /t | /t2 ' /proc/mounts | cut -d' ' -f3 | sort -u"]);
    assert.equal(out, "tmpfs");
    assert.equal(await ok(d, ["run", "--rm", "--mount", "source=mvol,target=/m,readonly", "busybox", "cat", "/m/f"]), "v");
    const err = await fails(d, ["run", "--rm", "--mount", "type=bind,source=/nonexistent-berth-src,target=/x", "busybox", "true"]);
    assert.match(err, /invalid mount config for type "bind": bind source path does not exist: \/nonexistent-berth-src/);
    assert.match(await fails(d, ["run", "--rm", "-v", "a1:/d", "-v", "a2:/d", "busybox", "true"]), /Duplicate mount point: \/d/);
    assert.match(await fails(d, ["run", "--rm", "-v", `${d.dataRoot}:/x`, "busybox", "true"]), /data root/);
    assert.equal(await ok(d, ["run", "--rm", "--mount", "type=volume,source=optv,target=/o,volume-opt=type=tmpfs,volume-opt=device=tmpfs", "busybox", "sh", "-c", "grep ' /o ' /proc/mounts | cut -d' ' -f3"]), "tmpfs");
    assert.deepEqual(JSON.parse(await ok(d, ["volume", "inspect", "-f", "{{json .Options}}", "optv"])), { type: "tmpfs", device: "tmpfs" });
    await ok(d, ["volume", "rm", "mvol", "optv"]);
  });

  await t.test("copy-up of image content into an empty named volume; nocopy skips it", async () => {
    assert.equal(await ok(d, ["run", "--rm", "-v", "cu:/data", "seeded", "cat", "/data/hello.txt"]), "from the image");
    const mp = await ok(d, ["volume", "inspect", "-f", "{{.Mountpoint}}", "cu"]);
    assert.equal(readFileSync(path.join(mp, "hello.txt"), "utf8"), "from the image\n");
    assert.equal(await ok(d, ["run", "--rm", "-v", "cu2:/data:nocopy", "seeded", "ls", "-A", "/data"]), "");
    await ok(d, ["volume", "rm", "cu", "cu2"]);
  });

  await t.test("an image's /data -> /etc symlink: -v vol:/data mounts on the container's /etc, never the host's", async () => {
    const hostEtcBefore = readFileSync("/etc/passwd", "utf8");
    const out = await ok(d, ["run", "--rm", "-v", "evil:/data", "linky", "sh", "-c", "echo pwned > /data/passwd; cat /etc/passwd"]);
    assert.equal(out, "pwned");
    assert.equal(readFileSync("/etc/passwd", "utf8"), hostEtcBefore);
    // copy-up took the container's /etc (from the image), not the host's
    const mp = await ok(d, ["volume", "inspect", "-f", "{{.Mountpoint}}", "evil"]);
    assert.ok(readFileSync(path.join(mp, "group"), "utf8").startsWith("root:x:0:"));
    await ok(d, ["volume", "rm", "evil"]);
  });

  await t.test("a symlink planted in a bound dir cannot redirect a later mount onto the host", async () => {
    const host = mkdtempSync("/tmp/berth-vol-sym-");
    const victim = `/etc/berth-volumes-test-${process.pid}`;
    try {
      await ok(d, ["run", "--rm", "-v", `${host}:/h`, "busybox", "ln", "-s", "/etc", "/h/evil"]);
      await ok(d, ["run", "--rm", "-v", `${host}:/h`, "-v", `symv:/h/evil/berth-volumes-test-${process.pid}`, "busybox", "true"]);
      assert.ok(!existsSync(victim), "the mount point was created on the host's /etc");
      await ok(d, ["volume", "rm", "symv"]);
    } finally {
      rmSync(victim, { recursive: true, force: true });
      rmSync(host, { recursive: true, force: true });
    }
  });

  await t.test("local driver options: type=tmpfs and type=none,o=bind (rm keeps the bound host data)", async () => {
    await ok(d, ["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=2m", "tv"]);
    const opts = JSON.parse(await ok(d, ["volume", "inspect", "-f", "{{json .Options}}", "tv"])) as Record<string, string>;
    assert.deepEqual(opts, { type: "tmpfs", device: "tmpfs", o: "size=2m" });
    const df = await ok(d, ["run", "--rm", "-v", "tv:/t", "busybox", "sh", "-c", "df -k /t; echo gone-with-the-mount > /t/f"]);
    assert.match(df, /\b2048\b/, df);
    // the last user stopped: the tmpfs is unmounted (as docker's local driver does), so the next run starts empty
    const tvData = await ok(d, ["volume", "inspect", "-f", "{{.Mountpoint}}", "tv"]);
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(` ${tvData} `), "tmpfs volume still mounted after its last user stopped");
    assert.equal(await ok(d, ["run", "--rm", "-v", "tv:/t", "busybox", "ls", "/t"]), "");
    const host = mkdtempSync("/tmp/berth-vol-dev-");
    try {
      writeFileSync(path.join(host, "keep.txt"), "precious\n");
      await ok(d, ["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${host}`, "bv"]);
      assert.equal(await ok(d, ["run", "--rm", "-v", "bv:/b", "busybox", "sh", "-c", "cat /b/keep.txt; echo w > /b/new.txt"]), "precious");
      assert.equal(readFileSync(path.join(host, "new.txt"), "utf8"), "w\n");
      await ok(d, ["volume", "rm", "bv", "tv"]);
      assert.equal(readFileSync(path.join(host, "keep.txt"), "utf8"), "precious\n", "removing a bind-type volume must not delete the host data");
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  await t.test("image VOLUME gets an anonymous volume with the image content copied up; --volumes-from shares it", async () => {
    await ok(d, ["create", "--name", "seedbase", "seeded", "true"]);
    await ok(d, ["commit", "--change", 'VOLUME ["/data"]', "seedbase", "withvol:latest"]);
    await ok(d, ["rm", "seedbase"]);
    await ok(d, ["run", "--name", "vsrc", "withvol", "sh", "-c", "cat /data/hello.txt && echo more > /data/more.txt"]);
    const name = await ok(d, ["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "vsrc"]);
    assert.match(name, /^[0-9a-f]{64}$/);
    assert.equal(await ok(d, ["run", "--rm", "--volumes-from", "vsrc", "busybox", "cat", "/data/more.txt"]), "more");
    const heir = await ok(d, ["create", "--volumes-from", "vsrc:ro", "busybox", "true"]);
    assert.equal(await ok(d, ["inspect", "-f", "{{range .Mounts}}{{.Name}} {{.Destination}} {{.RW}}{{end}}", heir]), `${name} /data false`);
    await ok(d, ["rm", heir]);
    const r = await d.docker(["run", "--rm", "--volumes-from", "vsrc:ro", "busybox", "touch", "/data/x"]);
    assert.notEqual(r.code, 0);
    // cp out of and into a path on the volume
    const cpdir = mkdtempSync("/tmp/berth-vol-cp-");
    try {
      await ok(d, ["cp", "vsrc:/data/more.txt", path.join(cpdir, "more.txt")]);
      assert.equal(readFileSync(path.join(cpdir, "more.txt"), "utf8"), "more\n");
      writeFileSync(path.join(cpdir, "in.txt"), "copied in\n");
      await ok(d, ["cp", path.join(cpdir, "in.txt"), "vsrc:/data/in.txt"]);
      const mp = await ok(d, ["volume", "inspect", "-f", "{{.Mountpoint}}", name]);
      assert.equal(readFileSync(path.join(mp, "in.txt"), "utf8"), "copied in\n");
    } finally {
      rmSync(cpdir, { recursive: true, force: true });
    }
    await ok(d, ["rm", "-v", "vsrc"]);
    assert.ok(!(await ok(d, ["volume", "ls", "-q"])).split("\n").includes(name));
  });

  await t.test("system df counts volumes", async () => {
    await ok(d, ["volume", "create", "dfv"]);
    await ok(d, ["run", "--rm", "-v", "dfv:/v", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /v/z"]);
    const out = await ok(d, ["system", "df", "-v"]);
    assert.match(out, /dfv\s+0\s+100(\.0)?kB/, out);
    await ok(d, ["volume", "rm", "dfv"]);
  });

  await t.test("kill -9 of berthd while a container writes to a volume: nothing is lost, metadata consistent", async () => {
    await ok(d, ["volume", "create", "kv"]);
    const id = await ok(d, ["run", "-d", "-v", "kv:/k", "busybox", "sh", "-c", "i=0; while true; do echo line $i >> /k/log; i=$((i+1)); sleep 0.05; done"]);
    const mp = await ok(d, ["volume", "inspect", "-f", "{{.Mountpoint}}", "kv"]);
    await new Promise((r) => setTimeout(r, 1000));
    const before = readFileSync(path.join(mp, "log"), "utf8");
    assert.ok(before.length > 0);
    await d.kill9();
    await d.restart();
    const afterText = readFileSync(path.join(mp, "log"), "utf8");
    assert.ok(afterText.startsWith(before), "data written before the kill is still there");
    assert.match(await fails(d, ["volume", "rm", "kv"]), new RegExp(`volume is in use - \\[${id}\\]`));
    assert.equal(await ok(d, ["inspect", "-f", "{{(index .Mounts 0).Name}}", id]), "kv");
    await ok(d, ["rm", "-f", id]);
    await ok(d, ["volume", "rm", "kv"]);
  });

  await t.test("volumes survive a daemon restart", async () => {
    await ok(d, ["volume", "create", "persist"]);
    await ok(d, ["run", "--rm", "-v", "persist:/p", "busybox", "sh", "-c", "echo kept > /p/k"]);
    await d.kill9();
    await d.restart();
    assert.equal(await ok(d, ["run", "--rm", "-v", "persist:/p", "busybox", "cat", "/p/k"]), "kept");
  });
});

after(async () => {
  await shared?.cleanup();
});
