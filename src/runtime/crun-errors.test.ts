import assert from "node:assert/strict";
import { test } from "node:test";
import { crunStateMissing, runcWording } from "./crun-errors.js";

test("a command missing from PATH: runc's (docker's) wording", () => {
  const crun = "crun create failed: unable to start container process: executable file `nope-not-here` not found in $PATH: No such file or directory";
  assert.equal(runcWording(crun, "nope-not-here"), 'crun create failed: unable to start container process: exec: "nope-not-here": executable file not found in $PATH');
});

test("a missing path: runc's stat wording", () => {
  assert.equal(runcWording("executable file `/nope` not found in $PATH: No such file or directory", "/nope"), 'exec: "/nope": stat /nope: no such file or directory');
});

test("a file that is not executable, or a directory: permission denied, naming the command", () => {
  assert.equal(runcWording("open executable: Permission denied", "/etc/passwd"), 'exec: "/etc/passwd": permission denied');
  assert.equal(runcWording("open executable: Operation not permitted", "/bin"), 'exec: "/bin": permission denied');
});

test("a working directory that is a file keeps 'not a directory'", () => {
  assert.match(runcWording("chdir `/etc/passwd`: Not a directory"), /\/etc\/passwd.*not a directory$/);
});

test("other messages are left alone", () => {
  assert.equal(runcWording("something else: Invalid argument", "x"), "something else: Invalid argument");
});

test("crun's missing-state messages are recognised, others are not", () => {
  assert.equal(crunStateMissing("error opening file `/run/x/c1/status`: No such file or directory"), true);
  assert.equal(crunStateMissing("cannot open directory '/run/x/c1': No such file or directory"), true);
  assert.equal(crunStateMissing("kill container: No such process"), false);
});
