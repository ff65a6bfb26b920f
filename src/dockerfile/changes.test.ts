import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isInvalidArgument } from "../errdefs/index.js";
import { parseChanges } from "./changes.js";
import { expandInstruction } from "./expand-instruction.js";
import { parseMount, ramInBytes, splitCsv } from "./mount.js";

describe("parseChanges (docker commit/import --change)", () => {
  it("parses each allowed instruction", () => {
    const list = parseChanges([
      'CMD ["/bin/sh", "-c", "echo hi"]',
      "ENTRYPOINT /entry.sh",
      "ENV DEBUG=1 PATH=$PATH:/opt/bin",
      "EXPOSE 8080/tcp",
      'LABEL version="1.0"',
      "ONBUILD RUN echo triggered",
      "STOPSIGNAL SIGINT",
      "USER 1000:1000",
      "VOLUME /data",
      "WORKDIR /srv",
      "HEALTHCHECK --interval=5s CMD true",
    ]);
    assert.deepEqual(
      list.map((c) => c.kind),
      ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "HEALTHCHECK"],
    );
    const env = list[2];
    assert.ok(env?.kind === "ENV");
    assert.deepEqual(
      expandInstruction(env, { PATH: "/usr/bin" }).env.map((p) => `${p.key}=${p.value}`),
      ["DEBUG=1", "PATH=/usr/bin:/opt/bin"],
    );
  });

  it("rejects other instructions with docker's message", () => {
    for (const [change, name] of [
      ["RUN echo hi", "RUN"],
      ["from busybox", "from"],
      ["COPY a b", "COPY"],
      ["ARG X", "ARG"],
      ["FOO bar", "FOO"],
    ] as const) {
      assert.throws(
        () => parseChanges([change]),
        (e: unknown) => isInvalidArgument(e) && e instanceof Error && e.message === `${name.toLowerCase()} is not a valid change command`,
      );
    }
  });

  it("reports parse errors without Dockerfile line numbers", () => {
    assert.throws(() => parseChanges(["EXPOSE"]), { message: "EXPOSE requires at least one argument" });
    assert.throws(() => parseChanges(["USER --x=1 a"]), { message: "unknown flag: --x" });
  });

  it("empty input is no change", () => {
    assert.deepEqual(parseChanges([]), []);
  });
});

describe("parseMount", () => {
  it("defaults to a read-only bind mount", () => {
    assert.deepEqual(parseMount("target=/src"), {
      type: "bind",
      from: "",
      source: "",
      target: "/src",
      readOnly: true,
      sizeLimit: 0,
      id: "",
      sharing: "",
      required: false,
    });
  });

  it("cache mounts: id, sharing, mode/uid/gid, writable", () => {
    const m = parseMount("type=cache,id=apt,target=/var/cache/apt,sharing=locked,mode=0755,uid=100,gid=101");
    assert.deepEqual(
      [m.type, m.id, m.target, m.sharing, m.mode, m.uid, m.gid, m.readOnly],
      ["cache", "apt", "/var/cache/apt", "locked", 0o755, 100, 101, false],
    );
    assert.equal(parseMount("type=bind,rw,target=/x").readOnly, false);
    assert.equal(parseMount("type=cache,ro,target=/x").readOnly, true);
  });

  it("tmpfs size and secret rules", () => {
    assert.equal(parseMount("type=tmpfs,target=/t,size=64m").sizeLimit, 64 * 1024 * 1024);
    const s = parseMount("type=secret,id=token,env=TOKEN,required");
    assert.deepEqual([s.id, s.env, s.required, s.readOnly], ["token", "TOKEN", true, true]);
    assert.throws(() => parseMount("type=secret,from=x,target=/x"), /secret mount should not have a from/);
    assert.throws(() => parseMount("type=secret"), /one of source, target required/);
  });

  it("errors", () => {
    assert.throws(() => parseMount("type=nfs"), /unsupported mount type "nfs"/);
    assert.throws(() => parseMount("type=cache,sharing=maybe"), /unsupported sharing value "maybe"/);
    assert.throws(() => parseMount("type=bind,sharing=shared"), /invalid cache sharing set for bind mount/);
    assert.throws(() => parseMount("type=bind,mode=0755"), /mode not allowed for "bind" type mounts/);
    assert.throws(() => parseMount("foo=bar"), /unexpected key 'foo' in 'foo=bar'/);
    assert.throws(() => parseMount("target"), /invalid field 'target' must be a key=value pair/);
    assert.throws(() => parseMount("type=tmpfs,size=lots"), /invalid value for size: lots/);
    assert.throws(() => parseMount("required"), /unexpected key 'required' for mount type 'bind'/);
  });

  it("expands values with the given expander", () => {
    const m = parseMount("type=cache,id=$ID,target=/c", (v) => v.replace("$ID", "pip"));
    assert.equal(m.id, "pip");
  });

  it("CSV quoting and RAM sizes", () => {
    assert.deepEqual(splitCsv('a,"b,c",d'), ["a", "b,c", "d"]);
    assert.deepEqual(splitCsv('"say ""hi""",x'), ['say "hi"', "x"]);
    assert.equal(ramInBytes("1g"), 1024 ** 3);
    assert.equal(ramInBytes("512"), 512);
    assert.equal(ramInBytes("1.5KiB"), 1536);
    assert.equal(ramInBytes("x"), undefined);
  });
});
