import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BLOCK, TYPE, encodeHeader } from "./tar-format.js";
import { walkTar, type TarEntry } from "./tar-reader.js";
import { tarChunks, writeTar, type TarWriteEntry } from "./tar-writer.js";

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
const pack = (entries: TarWriteEntry[]): Promise<Buffer> => collect(tarChunks(entries));

/** Splits a buffer into odd-sized chunks, to exercise the reader's buffering. */
async function* chunked(b: Buffer, size = 333): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

type Read = Omit<TarEntry, "body" | "readAll"> & { data: Buffer };
async function readAllEntries(b: Buffer, size?: number): Promise<Read[]> {
  const out: Read[] = [];
  for await (const e of walkTar(chunked(b, size))) out.push({ ...e, data: await e.readAll() });
  return out;
}

const longName = "d/" + "x".repeat(120) + "/" + "y".repeat(150) + "/file.txt"; // > 255 bytes
const binXattr = Buffer.from([0xff, 0xfe, 0x80, 0x00, 0x01]);
const latin1Name = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1: not UTF-8
const body = Buffer.alloc(1500, 7);

const sample = (): TarWriteEntry[] => [
  { name: "d", type: "dir", mode: 0o1755, mtime: 1700000000 },
  { name: longName, type: "file", source: body, mode: 0o4755, uid: 3000000, gid: 4000000, xattrs: { "user.bin": binXattr, "security.capability": Buffer.from([1, 0, 0, 2]) } },
  { name: "d/link", type: "symlink", linkname: "../" + "t".repeat(140) },
  { name: "d/hard", type: "hardlink", linkname: longName },
  { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
  { name: "dev/sda", type: "block", devmajor: 8, devminor: 0 },
  { name: "fifo", type: "fifo", mode: 0o600 },
  { name: latin1Name, type: "file", source: Buffer.from("hi"), mtime: 1700000000.5 },
  { name: "big-ids", type: "file", size: 3, source: chunked(Buffer.from("abc"), 1), uid: 0, gid: 65534 },
];

test("round trip: long names, binary xattrs, big ids, devices, links, non-UTF-8 names", async () => {
  const tar = await pack(sample());
  assert.equal(tar.length % BLOCK, 0);
  const got = await readAllEntries(tar);
  assert.deepEqual(
    got.map((e) => [e.name, e.type]),
    [
      ["d/", "dir"],
      [longName, "file"],
      ["d/link", "symlink"],
      ["d/hard", "hardlink"],
      ["dev/null", "char"],
      ["dev/sda", "block"],
      ["fifo", "fifo"],
      [latin1Name.toString("utf8"), "file"],
      ["big-ids", "file"],
    ],
  );
  const [dir, file, link, hard, chr, blk, fifo, latin, ids] = got as [Read, Read, Read, Read, Read, Read, Read, Read, Read];
  assert.equal(dir.mode, 0o1755);
  assert.equal(dir.mtime, 1700000000);
  assert.equal(file.mode, 0o4755);
  assert.equal(file.uid, 3000000);
  assert.equal(file.gid, 4000000);
  assert.deepEqual(file.data, body);
  assert.deepEqual(file.xattrs.get("user.bin"), binXattr);
  assert.deepEqual(file.xattrs.get("security.capability"), Buffer.from([1, 0, 0, 2]));
  assert.equal(link.linkname, "../" + "t".repeat(140));
  assert.equal(hard.linkname, longName);
  assert.deepEqual([chr.devmajor, chr.devminor, chr.mode], [1, 3, 0o666]);
  assert.deepEqual([blk.devmajor, blk.devminor], [8, 0]);
  assert.equal(fifo.mode, 0o600);
  assert.deepEqual(latin.nameBytes, latin1Name);
  assert.equal(latin.mtime, 1700000000.5);
  assert.equal(ids.gid, 65534);
  assert.deepEqual(ids.data, Buffer.from("abc"));
});

test("writer output is deterministic and GNU tar reads it (names, xattrs, sizes)", async (t) => {
  const a = await pack(sample());
  const b = await pack(sample());
  assert.ok(a.equals(b));
  const dir = mkdtempSync(join(tmpdir(), "berth-tar-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "a.tar"), a);
  const listing = execFileSync("tar", ["--xattrs", "--xattrs-include=*", "-tvf", join(dir, "a.tar")]).toString();
  assert.match(listing, new RegExp(`${longName.slice(-40)}`));
  assert.match(listing, /3000000\/4000000/);
  assert.match(listing, /d\/hard link to d\//);
});

test("reads GNU tar's own gnu and pax archives with long names", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "berth-tar-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const name = "n".repeat(90) + "/" + "m".repeat(180);
  execFileSync("mkdir", ["-p", join(dir, "src", "n".repeat(90))]);
  writeFileSync(join(dir, "src", name), "payload");
  execFileSync("ln", ["-s", "target-" + "q".repeat(120), join(dir, "src", "lnk")]);
  for (const format of ["gnu", "pax"]) {
    const tar = execFileSync("tar", [`--format=${format}`, "-C", join(dir, "src"), "-cf", "-", "."]);
    const got = await readAllEntries(tar, 1000);
    const f = got.find((e) => e.name === "./" + name);
    assert.ok(f, `${format}: long name found`);
    assert.equal(f.data.toString(), "payload");
    assert.equal(got.find((e) => e.name === "./lnk")?.linkname, "target-" + "q".repeat(120));
  }
});

test("base-256 numeric fields and GNU L/K headers are read", async () => {
  const h = (name: string, typeflag: number, size: number, extra: Partial<Parameters<typeof encodeHeader>[0]> = {}): Buffer =>
    encodeHeader({
      name: Buffer.from(name), mode: 0o644, uid: 0, gid: 0, size, mtime: 0, typeflag, linkname: Buffer.alloc(0),
      uname: Buffer.alloc(0), gname: Buffer.alloc(0), devmajor: 0, devminor: 0, ...extra,
    });
  const ln = Buffer.from("L".repeat(300) + "\0");
  const lk = Buffer.from("K".repeat(200) + "\0");
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((BLOCK - (b.length % BLOCK)) % BLOCK)]);
  const hdr = h("short", TYPE.hardlink, 0, { uid: 3000000, gid: 2 ** 40 });
  assert.equal(hdr[108]! & 0x80, 0x80, "uid is base-256 in the header");
  const tar = Buffer.concat([
    h("././@LongLink", TYPE.gnuLongName, ln.length), pad(ln),
    h("././@LongLink", TYPE.gnuLongLink, lk.length), pad(lk),
    hdr, Buffer.alloc(1024),
  ]);
  const [e] = await readAllEntries(tar);
  assert.equal(e?.name, "L".repeat(300));
  assert.equal(e?.linkname, "K".repeat(200));
  assert.equal(e?.uid, 3000000);
  assert.equal(e?.gid, 2 ** 40);
});

test("pax global headers apply to later entries, local ones override them", async () => {
  const g = Buffer.from("16 uname=global\n");
  const hg = encodeHeader({
    name: Buffer.from("pax_global_header"), mode: 0o644, uid: 0, gid: 0, size: g.length, mtime: 0, typeflag: TYPE.paxGlobal,
    linkname: Buffer.alloc(0), uname: Buffer.alloc(0), gname: Buffer.alloc(0), devmajor: 0, devminor: 0,
  });
  const rest = await pack([{ name: "a", type: "file", source: Buffer.from("1") }, { name: "b", type: "file", uname: "x".repeat(40) }]);
  const tar = Buffer.concat([hg, g, Buffer.alloc(BLOCK - g.length), rest]);
  const got = await readAllEntries(tar);
  assert.deepEqual(got.map((e) => e.uname), ["global", "x".repeat(40)]);
});

test("unconsumed bodies are skipped; a stale body cannot be read", async () => {
  const tar = await pack([
    { name: "a", type: "file", source: Buffer.alloc(5000, 1) },
    { name: "b", type: "file", source: Buffer.from("bee") },
  ]);
  const seen: string[] = [];
  let stale: TarEntry | undefined;
  for await (const e of walkTar(chunked(tar, 700))) {
    seen.push(e.name);
    if (e.name === "a") {
      stale = e;
      for await (const c of e.body()) {
        assert.ok(c.length > 0);
        break; // partially read
      }
    } else assert.equal((await e.readAll()).toString(), "bee");
  }
  assert.deepEqual(seen, ["a", "b"]);
  await assert.rejects(stale!.readAll(), /after the next entry/);
});

test("a truncated archive is an error, not a short read", async () => {
  const tar = await pack([{ name: "a", type: "file", source: Buffer.alloc(3000, 1) }, { name: "b", type: "dir" }]);
  for (const cut of [BLOCK + 100, BLOCK + 3000, 200, tar.length - 1024 - 300]) {
    await assert.rejects(readAllEntries(tar.subarray(0, cut)), /unexpected EOF/, `cut at ${cut}`);
  }
});

test("a bad checksum is refused", async () => {
  const tar = await pack([{ name: "a", type: "file", source: Buffer.from("x") }]);
  tar[10] = 0x41; // inside the name field
  await assert.rejects(readAllEntries(tar), /checksum/);
});

test("unsupported entry types are refused clearly unless a handler skips them", async () => {
  const hs = encodeHeader({
    name: Buffer.from("sparse"), mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, typeflag: 0x53,
    linkname: Buffer.alloc(0), uname: Buffer.alloc(0), gname: Buffer.alloc(0), devmajor: 0, devminor: 0,
  });
  const tar = Buffer.concat([hs, await pack([{ name: "ok", type: "dir" }])]);
  await assert.rejects(readAllEntries(tar), /unsupported tar entry type 'S'/);
  const names: string[] = [];
  const skipped: string[] = [];
  for await (const e of walkTar(chunked(tar), { onUnsupported: (f, n) => skipped.push(f + n) })) names.push(e.name);
  assert.deepEqual([names, skipped], [["ok/"], ["Ssparse"]]);
});

test("writeTar gives tarChunks' bytes; a chunk stays intact until the sink's next call; a short file is an error", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "berth-writetar-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const big = Buffer.alloc(3.5 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i); // every 1 MiB piece differs
  writeFileSync(join(dir, "big"), big);
  writeFileSync(join(dir, "small"), "abc");
  const entries = (): TarWriteEntry[] => [
    { name: "d", type: "dir", mtime: 1700000000 },
    { name: "d/big", type: "file", size: big.length, source: { file: join(dir, "big") }, mode: 0o600 },
    { name: "d/mem", type: "file", source: Buffer.from("in memory") },
    { name: "d/stream", type: "file", size: 3, source: chunked(Buffer.from("xyz"), 1) },
    { name: "d/small", type: "file", size: 3, source: { file: join(dir, "small") }, xattrs: { "user.a": Buffer.from("1") } },
    { name: "d/l", type: "symlink", linkname: "small" },
  ];
  const want = await pack(entries());
  // The sink copies each chunk only when the next one arrives: what writeTar may reuse by then must
  // still hold what it gave.
  const parts: Buffer[] = [];
  let held: Uint8Array | undefined;
  let heldCopy: Buffer | undefined;
  const sink = async (c: Uint8Array): Promise<void> => {
    if (held && heldCopy) {
      assert.ok(Buffer.from(held).equals(heldCopy), "a chunk changed before the next call");
      parts.push(heldCopy);
    }
    held = c;
    heldCopy = Buffer.from(c);
    await new Promise((r) => setImmediate(r));
  };
  await writeTar(entries(), sink);
  if (heldCopy) parts.push(heldCopy);
  assert.ok(Buffer.concat(parts).equals(want), "same bytes as tarChunks");
  const short: TarWriteEntry[] = [{ name: "s", type: "file", size: 10, source: { file: join(dir, "small") } }];
  await assert.rejects(writeTar(short, async () => undefined), /"s": source gave 3 bytes, expected 10/);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(writeTar(entries(), async () => undefined, ac.signal), { name: "AbortError" });
});
