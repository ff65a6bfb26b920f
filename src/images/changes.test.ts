import { test } from "node:test";
import assert from "node:assert/strict";
import { applyChanges, splitWords } from "./changes.js";

test("CMD and ENTRYPOINT: JSON and shell forms", () => {
  assert.deepEqual(applyChanges({}, ['CMD ["echo","hi"]']).Cmd, ["echo", "hi"]);
  assert.deepEqual(applyChanges({}, ["CMD echo hi"]).Cmd, ["/bin/sh", "-c", "echo hi"]);
  assert.deepEqual(applyChanges({}, ['CMD ["broken']).Cmd, ["/bin/sh", "-c", '["broken']);
  const e = applyChanges({ Cmd: ["sh"] }, ['ENTRYPOINT ["/bin/app"]']);
  assert.deepEqual(e.Entrypoint, ["/bin/app"]);
  assert.equal(e.Cmd, null, "ENTRYPOINT resets an inherited CMD");
  const both = applyChanges({}, ["CMD x", "ENTRYPOINT y"]);
  assert.deepEqual(both.Cmd, ["/bin/sh", "-c", "x"]);
  assert.deepEqual(both.Entrypoint, ["/bin/sh", "-c", "y"]);
});

test("ENV, LABEL, EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, ONBUILD", () => {
  const c = applyChanges({ Env: ["PATH=/bin", "A=1"] }, [
    'ENV A=2 B="two words"',
    "ENV C legacy value",
    'LABEL k=v "x y"=z',
    "EXPOSE 80 53/udp 8000-8002",
    "VOLUME /data /logs",
    'VOLUME ["/json"]',
    "WORKDIR /app",
    "WORKDIR sub",
    "USER nobody",
    "STOPSIGNAL SIGTERM",
    "onbuild run echo hi",
  ]);
  assert.deepEqual(c.Env, ["PATH=/bin", "A=2", "B=two words", "C=legacy value"]);
  assert.deepEqual(c.Labels, { k: "v", "x y": "z" });
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ["80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"]);
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ["/data", "/logs", "/json"]);
  assert.equal(c.WorkingDir, "/app/sub");
  assert.equal(c.User, "nobody");
  assert.equal(c.StopSignal, "SIGTERM");
  assert.deepEqual(c.OnBuild, ["RUN echo hi"]);
});

test("invalid change commands use dockerd's message", () => {
  assert.throws(() => applyChanges({}, ["RUN echo"]), { message: "run is not a valid change command" });
  assert.throws(() => applyChanges({}, ["FROM busybox"]), { message: "from is not a valid change command" });
  assert.throws(() => applyChanges({}, ["EXPOSE abc"]), /invalid containerPort/);
  assert.throws(() => applyChanges({}, ["ENV A"]), /ENV/);
});

test("word splitting honours quotes and escapes", () => {
  assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ["a", "b c", "d e", "f g"]);
  assert.deepEqual(splitWords(`k="v \\"q\\""`), ['k=v "q"']);
});
