import assert from "node:assert/strict";
import { test } from "node:test";
import { commitConfig, extraMountsOf, hideInitPaths, overlayDirs } from "./container-fs-access.js";

test("fs access: overlay dirs from the snapshot's mount, relative lowers resolved from cwd", () => {
  assert.deepEqual(overlayDirs([{ type: "overlay", source: "overlay", cwd: "/s", options: ["index=off", "lowerdir=l/A:l/B", "upperdir=/s/7/fs", "workdir=/s/7/work"] }]), {
    upperDir: "/s/7/fs",
    lowerDirs: ["/s/l/A", "/s/l/B"],
  });
  assert.deepEqual(overlayDirs([{ type: "bind", source: "/x", options: ["rbind"] }]), {});
});

test("fs access: cp sees the /etc files and host binds", () => {
  const m = extraMountsOf({ Binds: ["/h:/c:ro", "named:/v", "/h2:/c2"] }, { resolvConfPath: "/nonexistent/r", hostnamePath: "/nonexistent/h", hostsPath: "/etc/passwd" });
  assert.deepEqual(m, [
    { destination: "/etc/hosts", source: "/etc/passwd", readOnly: false },
    { destination: "/c", source: "/h", readOnly: true },
    { destination: "/c2", source: "/h2", readOnly: false },
  ]);
});

test("fs access: diff hides the runtime's mount points and directories changed only by them", () => {
  const rows = (l: Array<[0 | 1 | 2, string]>) => l.map(([Kind, Path]) => ({ Kind, Path }));
  assert.deepEqual(hideInitPaths(rows([[0, "/etc"], [1, "/etc/hostname"], [1, "/etc/hosts"], [1, "/proc"], [1, "/dev"], [1, "/dev/pts"]])), []);
  assert.deepEqual(
    hideInitPaths(rows([[0, "/etc"], [1, "/etc/hosts"], [0, "/etc/passwd"], [1, "/new"]])),
    rows([[0, "/etc"], [0, "/etc/passwd"], [1, "/new"]]),
  );
  assert.deepEqual(hideInitPaths(rows([[0, "/var"], [2, "/var/x"]])), rows([[0, "/var"], [2, "/var/x"]]));
});

test("fs access: commit's body config over the container's", () => {
  const c = { Cmd: ["sh"], Env: ["A=1", "B=2"], Labels: { a: "1" }, WorkingDir: "/w" };
  assert.deepEqual(commitConfig(c, undefined), c);
  assert.deepEqual(commitConfig(c, { Env: ["B=3", "C=4"], Labels: { b: "2" }, Cmd: [], User: "u" }), {
    Cmd: ["sh"],
    Env: ["A=1", "B=3", "C=4"],
    Labels: { a: "1", b: "2" },
    WorkingDir: "/w",
    User: "u",
  });
});
