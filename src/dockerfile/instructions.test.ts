import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isInvalidArgument } from "../errdefs/index.js";
import { parseGoDuration } from "./duration.js";
import { DockerfileParseError } from "./errors.js";
import { expandInstruction, runMounts } from "./expand-instruction.js";
import { parseDockerfile } from "./instructions.js";
import type { Instruction } from "./instructions.js";
import { planRunHeredocs } from "./run-heredoc.js";

/** The instructions of a one-stage Dockerfile after `FROM scratch`. */
function body(text: string): Instruction[] {
  return parseDockerfile(`FROM scratch\n${text}`).stages[0]?.commands ?? [];
}
function one<K extends Instruction["kind"]>(kind: K, text: string): Extract<Instruction, { kind: K }> {
  const [ins] = body(text);
  assert.equal(ins?.kind, kind);
  return ins as Extract<Instruction, { kind: K }>;
}
function parseError(text: string): DockerfileParseError {
  try {
    parseDockerfile(text);
  } catch (err) {
    assert.ok(err instanceof DockerfileParseError, `not a DockerfileParseError: ${String(err)}`);
    assert.ok(isInvalidArgument(err));
    return err;
  }
  assert.fail("expected a parse error");
}

describe("stages", () => {
  it("groups instructions by FROM, with meta ARGs, names, platforms and indexes", () => {
    const df = parseDockerfile(
      [
        "# syntax=docker/dockerfile:1",
        "ARG VERSION=3.12",
        "ARG OTHER",
        "FROM --platform=$BUILDPLATFORM python:${VERSION} AS Builder",
        "RUN pip install x",
        "from scratch",
        "COPY --from=builder /x /x",
      ].join("\n"),
    );
    assert.equal(df.syntax, "docker/dockerfile:1");
    assert.deepEqual(
      df.metaArgs.map((a) => a.args),
      [[{ key: "VERSION", value: "3.12" }], [{ key: "OTHER" }]],
    );
    assert.equal(df.stages.length, 2);
    const [s0, s1] = df.stages;
    assert.deepEqual([s0?.name, s0?.index, s0?.from.image, s0?.from.platform], [
      "builder",
      0,
      "python:${VERSION}",
      "$BUILDPLATFORM",
    ]);
    assert.deepEqual([s1?.name, s1?.index, s1?.from.command, s1?.commands.length], ["", 1, "from", 1]);
    assert.equal(df.instructions.length, 6);
  });

  it("rejects a file without FROM, only ARGs, or an instruction before FROM", () => {
    assert.equal(parseError("ARG A=1\nARG B\n").message, "dockerfile parse error on line 2: dockerfile contains no stages to build");
    assert.equal(parseError("FROM busybox AS me\nRUN true\nCOPY --from=me /a /b\n").message, "dockerfile parse error on line 3: circular dependency detected on stage: me");
    assert.equal(parseError("FROM busybox\nCOPY --from=0 /a /b\n").message, "dockerfile parse error on line 2: circular dependency detected on stage: 0");
    const e = parseError("ARG A\nRUN echo\nFROM x\n");
    assert.equal(e.message, "dockerfile parse error on line 2: no build stage in current context");
  });

  it("checks FROM arguments and stage names", () => {
    assert.match(parseError("FROM a b\n").message, /line 1: FROM requires either one or three arguments/);
    assert.match(parseError("FROM a AS 1st\n").message, /invalid name for build stage: "1st"/);
    assert.match(parseError("FROM --pull a\n").message, /unknown flag: --pull/);
  });
});

describe("errors name the line", () => {
  it("unknown instruction", () => {
    const e = parseError("FROM x\nRUN ok\nFOO bar\n");
    assert.equal(e.message, "dockerfile parse error on line 3: unknown instruction: FOO");
    assert.equal(e.detail, "unknown instruction: FOO");
    assert.deepEqual([e.startLine, e.endLine], [3, 3]);
  });

  it("unknown, duplicate and valueless flags, per instruction", () => {
    assert.match(parseError("FROM x\nRUN --foo=1 echo\n").message, /line 2: unknown flag: --foo$/);
    assert.match(parseError("FROM x\nCOPY --checksum=sha256:x a b\n").message, /unknown flag: --checksum/);
    assert.match(parseError("FROM x\nENV --a=1 b=2\n").message, /unknown flag: --a/);
    assert.match(parseError("FROM x\nMAINTAINER --boo me\n").message, /unknown flag: --boo/);
    assert.match(parseError("FROM x\nCOPY --from=a --from=b a b\n").message, /duplicate flag specified: --from/);
    assert.match(parseError("FROM x\nCOPY --from a b\n").message, /missing a value on flag: --from/);
    assert.match(parseError("FROM x\nCOPY --link=maybe a b\n").message, /expecting boolean value for flag --link, not: maybe/);
  });

  it("a multi-line instruction reports its first line", () => {
    const e = parseError("FROM x\nRUN \\\n  --bad \\\n  echo\n");
    assert.deepEqual([e.startLine, e.endLine], [2, 4]);
  });

  it("argument counts", () => {
    assert.match(parseError("FROM x\nCOPY onlyone\n").message, /COPY requires at least two arguments, but only one was provided/);
    assert.match(parseError("FROM x\nWORKDIR\n").message, /WORKDIR requires exactly one argument/);
    assert.match(parseError("FROM x\nEXPOSE\n").message, /EXPOSE requires at least one argument/);
    assert.match(parseError("FROM x\nENV\n").message, /ENV requires at least one argument/);
    assert.match(parseError("FROM x\nSHELL /bin/sh -c\n").message, /SHELL requires the arguments to be in JSON form/);
    assert.match(parseError('FROM x\nVOLUME ["/a", " "]\n').message, /VOLUME specified can not be an empty string/);
    assert.match(parseError("FROM x\nARG =1\n").message, /ARG names can not be blank/);
  });
});

describe("RUN / CMD / ENTRYPOINT / SHELL", () => {
  it("shell form and exec form", () => {
    const [r1, r2, c, e, s] = body(
      'RUN echo "$HOME"  && ls\nRUN ["/bin/sh", "-c", "echo x"]\ncmd ["python3", "/app/hello.py"]\nENTRYPOINT ["echo", "not json]\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n',
    );
    assert.deepEqual(r1, {
      kind: "RUN",
      command: "RUN",
      original: 'RUN echo "$HOME"  && ls',
      startLine: 2,
      endLine: 2,
      cmdLine: ['echo "$HOME"  && ls'],
      prependShell: true,
      heredocs: [],
      mounts: [],
      network: "default",
      security: "sandbox",
      devices: [],
      flagsUsed: [],
    });
    assert.deepEqual([r2?.kind === "RUN" && r2.cmdLine, r2?.kind === "RUN" && r2.prependShell], [
      ["/bin/sh", "-c", "echo x"],
      false,
    ]);
    assert.deepEqual(c?.kind === "CMD" && [c.cmdLine, c.prependShell], [["python3", "/app/hello.py"], false]);
    assert.deepEqual(e?.kind === "ENTRYPOINT" && [e.cmdLine, e.prependShell], [['["echo", "not json]'], true]);
    assert.deepEqual(s?.kind === "SHELL" && s.shell, ["/bin/bash", "-o", "pipefail", "-c"]);
  });

  it("single-quoted JSON is shell form; empty JSON is an empty exec form", () => {
    assert.deepEqual(one("CMD", "CMD ['echo','hi']\n").cmdLine, ["['echo','hi']"]);
    const ep = one("ENTRYPOINT", "ENTRYPOINT []\n");
    assert.deepEqual([ep.cmdLine, ep.prependShell], [[], false]);
  });

  it("RUN flags: mounts (repeatable), network, security", () => {
    const r = one(
      "RUN",
      "RUN --mount=type=cache,target=/root/.cache/pip,id=pip --mount=type=bind,from=build,source=/out,target=/in --network=none pip install x\n",
    );
    assert.deepEqual(r.mounts, ["type=cache,target=/root/.cache/pip,id=pip", "type=bind,from=build,source=/out,target=/in"]);
    assert.equal(r.network, "none");
    assert.deepEqual(r.flagsUsed, ["mount", "network"]);
    assert.match(parseError("FROM x\nRUN --network=bridge x\n").message, /invalid network mode "bridge"/);
    assert.match(parseError("FROM x\nRUN --security=root x\n").message, /security "root" is not valid/);
    const m = runMounts(r, new Map(), "\\");
    assert.equal(m[0]?.type, "cache");
    assert.equal(m[0]?.id, "pip");
    assert.equal(m[0]?.readOnly, false);
    assert.deepEqual([m[1]?.type, m[1]?.from, m[1]?.readOnly], ["bind", "build", true]);
  });

  it("RUN heredocs: plain script, shebang file, command with heredoc", () => {
    const [a, b, c] = body("RUN <<-EOF\n\techo a\n\techo b\n\tEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nRUN python3 <<EOF\nprint(2)\nEOF\n");
    assert.ok(a?.kind === "RUN" && b?.kind === "RUN" && c?.kind === "RUN");
    assert.deepEqual(planRunHeredocs(a), { cmdLine: ["echo a\necho b\n"], prependShell: true });
    assert.deepEqual(planRunHeredocs(b), {
      cmdLine: ["/dev/pipes/EOF"],
      prependShell: true,
      file: { dir: "/dev/pipes", name: "EOF", data: "#!/usr/bin/env python3\nprint(1)\n", mode: 0o755 },
    });
    assert.deepEqual(planRunHeredocs(c), { cmdLine: ["python3 <<EOF\nprint(2)\nEOF"], prependShell: true });
  });
});

describe("ENV / LABEL / ARG", () => {
  it("ENV a=1 b=$a: every value sees the environment before the instruction", () => {
    const env = one("ENV", 'ENV a=1 b=$a c="${a:-none} x" d=\\$a\n');
    const x = expandInstruction(env, new Map([["a", "old"]]));
    assert.deepEqual(
      x.env.map((p) => [p.key, p.value]),
      [
        ["a", "1"],
        ["b", "old"],
        ["c", "old x"],
        ["d", "$a"],
      ],
    );
    // the original is untouched
    assert.equal(env.env[1]?.value, "$a");
  });

  it("legacy ENV key value keeps the rest of the line", () => {
    const env = expandInstruction(one("ENV", 'ENV MSG  hello "big" world\n'), new Map());
    assert.deepEqual(env.env, [{ key: "MSG", value: "hello big world", noDelim: true }]);
  });

  it("LABEL with quotes, escapes and spaces", () => {
    const l = expandInstruction(
      one("LABEL", 'LABEL "com.example.vendor"="ACME Inc" version=1.0 description="a \\"quoted\\" text" multi=a\\ b\n'),
      {},
    );
    assert.deepEqual(
      l.labels.map((p) => [p.key, p.value]),
      [
        ["com.example.vendor", "ACME Inc"],
        ["version", "1.0"],
        ["description", 'a "quoted" text'],
        ["multi", "a b"],
      ],
    );
  });

  it("ARG name and name=default", () => {
    const a = one("ARG", 'ARG A B=2 C="x y"\n');
    assert.deepEqual(a.args, [{ key: "A" }, { key: "B", value: "2" }, { key: "C", value: '"x y"' }]);
    assert.deepEqual(expandInstruction(a, {}).args[2], { key: "C", value: "x y" });
  });
});

describe("COPY / ADD", () => {
  it("COPY flags, sources and destination", () => {
    const c = one("COPY", "COPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=tmp a b* /dest/\n");
    assert.deepEqual(
      [c.from, c.chown, c.chmod, c.link, c.parents, c.excludes, c.sources, c.dest],
      ["build", "app:app", "0755", true, false, ["*.md", "tmp"], ["a", "b*"], "/dest/"],
    );
  });

  it("COPY JSON form keeps spaces in names", () => {
    const c = one("COPY", 'COPY ["my file.txt", "/dst dir/"]\n');
    assert.deepEqual([c.sources, c.dest], [["my file.txt"], "/dst dir/"]);
  });

  it("COPY <<EOF: heredoc contents as sources, chomped, with expand flag", () => {
    const c = one("COPY", "COPY <<-EOF <<'RAW' plain /app/\n\tprint('$X')\n\tEOF\n$Y\nRAW\n");
    assert.deepEqual(c.sources, ["plain"]);
    assert.deepEqual(c.contents, [
      { path: "EOF", data: "print('$X')\n", expand: true },
      { path: "RAW", data: "$Y\n", expand: false },
    ]);
    const x = expandInstruction(c, { X: "1", Y: "2" });
    assert.deepEqual(x.contents.map((s) => s.data), ["print('1')\n", "$Y\n"]);
    assert.match(parseError("FROM x\nCOPY a <<EOF\nx\nEOF\n").message, /COPY cannot accept a heredoc as a destination/);
  });

  it("ADD flags", () => {
    const a = one(
      "ADD",
      "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d --keep-git-dir=false --unpack https://example.com/x.tar.gz /x/\n",
    );
    assert.equal(a.checksum, "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d");
    assert.equal(a.keepGitDir, false);
    assert.equal(a.unpack, true);
    assert.equal(one("ADD", "ADD a b\n").keepGitDir, undefined);
    assert.match(parseError("FROM x\nADD --from=x a b\n").message, /unknown flag: --from/);
  });

  it("shell-form sources are split on whitespace before expansion (quotes do not group them)", () => {
    const c = one("COPY", 'COPY "a b" /x/\n');
    assert.deepEqual([c.sources, c.dest], [['"a', 'b"'], "/x/"]);
    assert.throws(() => expandInstruction(c, {}), /matching double-quote/);
    const j = expandInstruction(one("COPY", 'COPY ["$D/my file", "/x/"]\n'), { D: "src" });
    assert.deepEqual(j.sources, ["src/my file"]);
  });

  it("expands sources, dest, chown but leaves unquoted spaces to the split", () => {
    const c = expandInstruction(one("COPY", "COPY --chown=$U ${SRC:-src}/*.py $DEST\n"), { U: "1000", DEST: "/app" });
    assert.deepEqual([c.chown, c.sources, c.dest], ["1000", ["src/*.py"], "/app"]);
  });
});

describe("EXPOSE / WORKDIR / USER / VOLUME / STOPSIGNAL / MAINTAINER", () => {
  it("EXPOSE sorts and splits expanded words", () => {
    const e = one("EXPOSE", "EXPOSE 8080/tcp $PORTS 53/udp\n");
    assert.deepEqual(e.ports, ["$PORTS", "53/udp", "8080/tcp"]);
    assert.deepEqual(expandInstruction(e, { PORTS: "1 2" }).ports, ["1", "2", "53/udp", "8080/tcp"]);
  });

  it("single-string instructions keep the whole rest", () => {
    const [w, u, s, m] = body("WORKDIR /app/$NAME dir\nUSER app:staff\nSTOPSIGNAL SIGKILL\nMAINTAINER Jane Doe <jane@example.com>\n");
    assert.ok(w?.kind === "WORKDIR" && u?.kind === "USER" && s?.kind === "STOPSIGNAL" && m?.kind === "MAINTAINER");
    assert.equal(expandInstruction(w, { NAME: "x" }).path, "/app/x dir");
    assert.equal(u.user, "app:staff");
    assert.equal(s.signal, "SIGKILL");
    assert.equal(m.maintainer, "Jane Doe <jane@example.com>");
  });

  it("VOLUME: JSON list or words", () => {
    assert.deepEqual(one("VOLUME", 'VOLUME ["/data", "/var/log"]\n').volumes, ["/data", "/var/log"]);
    assert.deepEqual(
      expandInstruction(one("VOLUME", "VOLUME /data ${LOGS}\n"), { LOGS: "/logs" }).volumes,
      ["/data", "/logs"],
    );
  });

  it("RUN, CMD and MAINTAINER are never expanded", () => {
    const r = one("RUN", "RUN echo $HOME\n");
    assert.equal(expandInstruction(r, { HOME: "/x" }), r);
  });
});

describe("HEALTHCHECK", () => {
  it("NONE", () => {
    assert.deepEqual(one("HEALTHCHECK", "HEALTHCHECK NONE\n").health.test, ["NONE"]);
    assert.match(parseError("FROM x\nHEALTHCHECK NONE x\n").message, /HEALTHCHECK NONE takes no arguments/);
  });

  it("CMD shell and exec form with options in nanoseconds", () => {
    const h = one(
      "HEALTHCHECK",
      "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s --start-interval=500ms --retries=3 \\\n  CMD curl -f http://localhost/ || exit 1\n",
    );
    assert.deepEqual(h.health, {
      test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
      interval: 30e9,
      timeout: 90e9,
      startPeriod: 1.5e9,
      startInterval: 500e6,
      retries: 3,
    });
    assert.deepEqual(one("HEALTHCHECK", 'HEALTHCHECK cmd ["pg_isready", "-q"]\n').health.test, ["CMD", "pg_isready", "-q"]);
  });

  it("bad options and JSON", () => {
    assert.match(parseError("FROM x\nHEALTHCHECK --interval=10 CMD x\n").message, /time: missing unit in duration "10"/);
    assert.match(parseError("FROM x\nHEALTHCHECK --timeout=1us CMD x\n").message, /Interval "timeout" cannot be less than 1ms/);
    assert.match(parseError("FROM x\nHEALTHCHECK --retries=-1 CMD x\n").message, /--retries cannot be negative \(-1\)/);
    assert.match(parseError("FROM x\nHEALTHCHECK --foo=1 CMD x\n").message, /unknown flag: --foo/);
    assert.match(parseError("FROM x\nHEALTHCHECK CMD\n").message, /Missing command after HEALTHCHECK CMD/);
    assert.match(parseError("FROM x\nHEALTHCHECK RUN x\n").message, /Unknown type "RUN" in HEALTHCHECK \(try CMD\)/);
    assert.match(parseError('FROM x\nHEALTHCHECK CMD ["a", 1]\n').message, /arrays must be comprised of strings only/);
    // invalid JSON falls back to the shell form
    assert.deepEqual(one("HEALTHCHECK", 'HEALTHCHECK CMD ["a", \n').health.test, ["CMD-SHELL", '["a",']);
  });
});

describe("ONBUILD", () => {
  it("stores the trigger expression and parses it", () => {
    const o = one("ONBUILD", "ONBUILD   RUN --mount=type=cache,target=/c echo hi\n");
    assert.equal(o.expression, "RUN --mount=type=cache,target=/c echo hi");
    assert.equal(o.trigger?.kind, "RUN");
    const h = one("ONBUILD", "onbuild COPY <<EOF /x\nhello\nEOF\n");
    assert.equal(h.expression, "COPY <<EOF /x\nhello\nEOF");
  });

  it("refuses ONBUILD, FROM and MAINTAINER triggers", () => {
    assert.match(parseError("FROM x\nONBUILD ONBUILD RUN x\n").message, /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
    assert.match(parseError("FROM x\nONBUILD from y\n").message, /FROM isn't allowed as an ONBUILD trigger/);
    assert.match(parseError("FROM x\nONBUILD MAINTAINER me\n").message, /MAINTAINER isn't allowed as an ONBUILD trigger/);
  });
});

describe("parseGoDuration", () => {
  const ok: [string, number][] = [
    ["0", 0],
    ["1ns", 1],
    ["1.5s", 1.5e9],
    ["1h2m3s", 3723e9],
    ["300ms", 300e6],
    ["2us", 2000],
    ["2µs", 2000],
    ["-1m", -60e9],
    [".5s", 0.5e9],
  ];
  for (const [s, n] of ok) it(`${s} = ${n}ns`, () => assert.equal(parseGoDuration(s), n));
  it("rejects bad input with Go's messages", () => {
    assert.throws(() => parseGoDuration(""), /time: invalid duration ""/);
    assert.throws(() => parseGoDuration("abc"), /time: invalid duration "abc"/);
    assert.throws(() => parseGoDuration("5"), /time: missing unit in duration "5"/);
    assert.throws(() => parseGoDuration("5d"), /time: unknown unit "d" in duration "5d"/);
  });
});

describe("whole Dockerfiles", () => {
  it("the hello example", () => {
    const df = parseDockerfile('FROM python:3-slim\nWORKDIR /app\nCOPY hello.py .\nCMD ["python3", "hello.py"]\n');
    assert.deepEqual(
      df.stages[0]?.commands.map((c) => c.kind),
      ["WORKDIR", "COPY", "CMD"],
    );
  });

  it("a multi-stage build, expanded step by step like the builder does", () => {
    const text = [
      "# syntax=docker/dockerfile:1",
      "ARG GO_VERSION=1.22",
      "FROM golang:${GO_VERSION} AS build",
      "ENV CGO_ENABLED=0 \\",
      "    GOFLAGS=-trimpath",
      "WORKDIR /src",
      "COPY go.* ./",
      "RUN --mount=type=cache,target=/go/pkg/mod go mod download",
      "COPY . .",
      "RUN go build -o /out/app ./cmd/app",
      "",
      "FROM gcr.io/distroless/static AS final",
      'LABEL org.opencontainers.image.title="my app"',
      "ENV APP_HOME=/srv APP_PORT=8080",
      "WORKDIR $APP_HOME",
      "COPY --from=build /out/app ${APP_HOME}/app",
      "EXPOSE ${APP_PORT}/tcp",
      "USER 65532:65532",
      'ENTRYPOINT ["/srv/app"]',
    ].join("\n");
    const df = parseDockerfile(text);
    assert.deepEqual(
      df.stages.map((s) => [s.name, s.from.image, s.from.startLine]),
      [
        ["build", "golang:${GO_VERSION}", 3],
        ["final", "gcr.io/distroless/static", 12],
      ],
    );
    const build = df.stages[0];
    assert.ok(build);
    assert.equal(expandInstruction(build.from, { GO_VERSION: "1.22" }).image, "golang:1.22");

    const env = new Map<string, string>();
    const seen: string[] = [];
    for (const ins of df.stages[1]?.commands ?? []) {
      const x = expandInstruction(ins, env);
      if (x.kind === "ENV") for (const p of x.env) env.set(p.key, p.value);
      if (x.kind === "WORKDIR") seen.push(x.path);
      if (x.kind === "COPY") seen.push(`${x.from}:${x.sources.join(",")}->${x.dest}`);
      if (x.kind === "EXPOSE") seen.push(...x.ports);
      if (x.kind === "LABEL") seen.push(...x.labels.map((l) => `${l.key}=${l.value}`));
    }
    assert.deepEqual(seen, ["org.opencontainers.image.title=my app", "/srv", "build:/out/app->/srv/app", "8080/tcp"]);
    const envIns = df.stages[0]?.commands[0];
    assert.deepEqual([envIns?.startLine, envIns?.endLine], [4, 5]);
  });

  it("a Windows-style Dockerfile with escape=`", () => {
    const text = [
      "# escape=`",
      "",
      "FROM mcr.microsoft.com/windows/servercore:ltsc2022",
      "ENV INSTALL_DIR=C:\\tools",
      "WORKDIR $INSTALL_DIR\\bin",
      'RUN powershell -Command `',
      "    $ErrorActionPreference = 'Stop'; `",
      "    Write-Host hello",
      'COPY ["C:\\\\src dir\\\\app.exe", "C:\\\\app\\\\"]',
      "LABEL path=C:\\dir` with` spaces",
    ].join("\r\n");
    const df = parseDockerfile(text);
    assert.equal(df.escapeToken, "`");
    const [env, wd, run, copy, label] = df.stages[0]?.commands ?? [];
    assert.ok(env?.kind === "ENV" && wd?.kind === "WORKDIR" && run?.kind === "RUN");
    assert.ok(copy?.kind === "COPY" && label?.kind === "LABEL");
    const e = expandInstruction(env, {}, "`");
    assert.equal(e.env[0]?.value, "C:\\tools");
    assert.equal(expandInstruction(wd, { INSTALL_DIR: "C:\\tools" }, "`").path, "C:\\tools\\bin");
    assert.deepEqual(run.cmdLine, ["powershell -Command     $ErrorActionPreference = 'Stop';     Write-Host hello"]);
    assert.deepEqual([copy.sources, copy.dest], [["C:\\src dir\\app.exe"], "C:\\app\\"]);
    assert.equal(expandInstruction(label, {}, "`").labels[0]?.value, "C:\\dir with spaces");
  });
});
