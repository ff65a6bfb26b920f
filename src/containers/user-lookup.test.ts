import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveUser } from "./user-lookup.js";

const passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nweb:x:1000:1000::/srv:/bin/sh\n";
const group = "root:x:0:\nnogroup:x:65534:\nweb:x:1000:\nwheel:x:10:web,root\n";

test("resolveUser: names, numbers, groups, supplementary groups", () => {
  assert.deepEqual(resolveUser("", passwd, group), { uid: 0, gid: 0, additionalGids: [0, 10], home: "/root" });
  assert.deepEqual(resolveUser("web", passwd, group), { uid: 1000, gid: 1000, additionalGids: [1000, 10], home: "/srv" });
  assert.deepEqual(resolveUser("nobody:wheel", passwd, group), { uid: 65534, gid: 10, additionalGids: [10], home: "/home" });
  assert.deepEqual(resolveUser("4242:77", passwd, group), { uid: 4242, gid: 77, additionalGids: [77], home: "/" });
  assert.throws(() => resolveUser("ghost", passwd, group), /unable to find user ghost: no matching entries in passwd file/);
  assert.throws(() => resolveUser("web:ghosts", passwd, group), /unable to find group ghosts/);
});

test("a build step's process gets BuildKit's groups: without the primary group", () => {
  const passwd = "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000::/srv:/bin/sh\n";
  const group = "root:x:0:\nwheel:x:10:root,web\n";
  assert.deepEqual(resolveUser("1234:5678", passwd, group, { primaryAsSupplementary: false }).additionalGids, []);
  assert.deepEqual(resolveUser("web", passwd, group, { primaryAsSupplementary: false }).additionalGids, [10]);
  assert.deepEqual(resolveUser("web", passwd, group).additionalGids, [1000, 10]);
});
