import { test } from "node:test";
import assert from "node:assert/strict";
import { applyChanges } from "./changes.js";

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
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}).sort(), ["53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"]);
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ["/data", "/logs", "/json"]);
  assert.equal(c.WorkingDir, "/app/sub");
  assert.equal(c.User, "nobody");
  assert.equal(c.StopSignal, "SIGTERM");
  assert.deepEqual(c.OnBuild, ["run echo hi"], "stored as written, like dockerd");
});

test("invalid change commands use dockerd's message", () => {
  assert.throws(() => applyChanges({}, ["RUN echo"]), { message: "run is not a valid change command" });
  assert.throws(() => applyChanges({}, ["FROM busybox"]), { message: "from is not a valid change command" });
  assert.throws(() => applyChanges({}, ["EXPOSE abc"]), /invalid containerPort/);
  assert.throws(() => applyChanges({}, ["ENV A"]), { message: "ENV must have two arguments" });
});

test("values are expanded with the config's Env as it stands before each change", () => {
  const c = applyChanges({ Env: ["BASE=/opt", "A=old"] }, ["ENV A=new B=$A", "WORKDIR ${BASE}/app", "LABEL where=${BASE:-none} missing=${NOPE:-dflt}", 'CMD ["$BASE"]']);
  assert.deepEqual(c.Env, ["BASE=/opt", "A=new", "B=old"]);
  assert.equal(c.WorkingDir, "/opt/app");
  assert.deepEqual(c.Labels, { where: "/opt", missing: "dflt" });
  assert.deepEqual(c.Cmd, ["$BASE"], "exec-form CMD is not expanded");
});

test("HEALTHCHECK with options and CMD, and NONE", () => {
  const c = applyChanges({}, ["HEALTHCHECK --interval=5s --retries=2 CMD curl -f http://localhost/"]);
  assert.deepEqual(c.Healthcheck, { Test: ["CMD-SHELL", "curl -f http://localhost/"], Interval: 5_000_000_000, Retries: 2 });
  assert.deepEqual(applyChanges({}, ["HEALTHCHECK NONE"]).Healthcheck, { Test: ["NONE"] });
});
