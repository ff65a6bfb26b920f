import assert from "node:assert/strict";
import { test } from "node:test";
import { isMounted, mountsUnder, parseMountInfo } from "./mount-info.js";

const sample = [
  "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "30 22 0:25 / /tmp/a rw,relatime shared:2 - tmpfs tmpfs rw,size=1024k",
  "31 30 0:26 / /tmp/a/b rw - overlay overlay rw,lowerdir=l/AAAA,upperdir=/x/fs,workdir=/x/work",
  "32 30 0:27 / /tmp/a/with\\040space rw master:3 - tmpfs tmp\\040fs rw",
  "33 30 0:28 / /tmp/a/b rw - tmpfs tmpfs rw",
  "34 22 0:29 / /tmp/ab rw - tmpfs tmpfs rw",
  "",
].join("\n");

test("parseMountInfo reads fields, optional tags and octal escapes", () => {
  const t = parseMountInfo(sample);
  assert.equal(t.length, 6);
  assert.deepEqual(t[1], {
    id: 30,
    parent: 22,
    root: "/",
    mountPoint: "/tmp/a",
    options: "rw,relatime",
    fsType: "tmpfs",
    source: "tmpfs",
    superOptions: "rw,size=1024k",
  });
  assert.equal(t[2]?.fsType, "overlay");
  assert.equal(t[3]?.mountPoint, "/tmp/a/with space");
  assert.equal(t[3]?.source, "tmp fs");
});

test("mountsUnder lists deepest and newest first, without prefix look-alikes", () => {
  const t = parseMountInfo(sample);
  assert.deepEqual(mountsUnder("/tmp/a", t), ["/tmp/a/b", "/tmp/a/with space", "/tmp/a/b", "/tmp/a"]);
  assert.deepEqual(mountsUnder("/tmp/a/", t), mountsUnder("/tmp/a", t));
  assert.deepEqual(mountsUnder("/nothing", t), []);
  assert.equal(isMounted("/tmp/a/b", t), true);
  assert.equal(isMounted("/tmp/a/b/", t), true);
  assert.equal(isMounted("/tmp", t), false);
});

test("the live table of this process parses", () => {
  assert.equal(isMounted("/"), true);
  assert.ok(mountsUnder("/").length >= 1);
});
