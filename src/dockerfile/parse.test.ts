import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DockerfileParseError } from "./errors.js";
import { parseDockerfileNodes } from "./parse.js";
import type { DockerfileNode } from "./parse.js";

const nodes = (text: string): DockerfileNode[] => parseDockerfileNodes(text).nodes;
const summary = (text: string): [string, string[], number, number][] =>
  nodes(text).map((n) => [n.cmd, n.args, n.startLine, n.endLine]);

describe("parser directives", () => {
  it("reads escape, syntax and check at the top, case-insensitively", () => {
    const r = parseDockerfileNodes("# SYNTAX = docker/dockerfile:1.7\n#Escape=`\n# check=skip=all\nFROM scratch\n");
    assert.equal(r.escapeToken, "`");
    assert.deepEqual(
      r.directives.map((d) => [d.name, d.value, d.line]),
      [
        ["syntax", "docker/dockerfile:1.7", 1],
        ["escape", "`", 2],
        ["check", "skip=all", 3],
      ],
    );
    assert.deepEqual(r.nodes[0]?.comments, []);
  });

  it("stops looking after a comment, a blank line or an instruction", () => {
    assert.equal(parseDockerfileNodes("# hello\n# escape=`\nFROM x\n").escapeToken, "\\");
    assert.equal(parseDockerfileNodes("\n# escape=`\nFROM x\n").escapeToken, "\\");
    assert.equal(parseDockerfileNodes("FROM x\n# escape=`\nRUN a\n").escapeToken, "\\");
    // an unknown directive is just a comment, and ends the directives
    assert.equal(parseDockerfileNodes("# foo=bar\n# escape=`\nFROM x\n").escapeToken, "\\");
  });

  it("rejects an invalid escape character and repeated directives, naming the line", () => {
    assert.throws(
      () => parseDockerfileNodes("# escape=x\nFROM scratch\n"),
      (e: unknown) =>
        e instanceof DockerfileParseError &&
        e.startLine === 1 &&
        e.message === "dockerfile parse error on line 1: invalid escape token 'x' does not match ` or \\",
    );
    assert.throws(() => parseDockerfileNodes("# escape=`\n# escape=\\\nFROM x\n"), {
      message: "dockerfile parse error on line 2: only one escape parser directive can be used",
    });
  });

  it("strips a UTF-8 byte order mark", () => {
    const r = parseDockerfileNodes("\uFEFF# escape=`\nFROM x\n");
    assert.equal(r.escapeToken, "`");
  });
});

describe("lines and continuations", () => {
  it("keeps case, 1-based start and end lines", () => {
    assert.deepEqual(summary("from busybox\n\n  run echo hi\nCmd [\"a\"]\n"), [
      ["from", ["busybox"], 1, 1],
      ["run", ["echo hi"], 3, 3],
      ["Cmd", ["a"], 4, 4],
    ]);
  });

  it("joins continuations, skipping comments and empty lines inside them", () => {
    const text = [
      "FROM debian",
      "RUN apt-get update && \\",
      "    # install what we need",
      "",
      "    apt-get install -y \\",
      "  # another comment",
      "      curl",
      "CMD x",
    ].join("\n");
    const r = parseDockerfileNodes(text);
    const run = r.nodes[1];
    assert.equal(run?.args[0], "apt-get update &&     apt-get install -y       curl");
    assert.equal(run?.startLine, 2);
    assert.equal(run?.endLine, 7);
    assert.equal(r.nodes[2]?.startLine, 8);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? "", /^Empty continuation line found in: RUN apt-get update/);
  });

  it("accepts whitespace after the escape and a lone escape line", () => {
    assert.deepEqual(summary("FROM x\nRUN a \\  \t\n  b\nRUN c\\\n\\\nd\n").slice(1), [
      ["RUN", ["a   b"], 2, 3],
      ["RUN", ["cd"], 4, 6],
    ]);
  });

  it("ends an instruction continued at end of file", () => {
    assert.deepEqual(summary("FROM x\nRUN echo hi \\"), [
      ["FROM", ["x"], 1, 1],
      ["RUN", ["echo hi"], 2, 2],
    ]);
    assert.deepEqual(summary("FROM x\nRUN echo \\\n  there \\\n"), [
      ["FROM", ["x"], 1, 1],
      ["RUN", ["echo   there"], 2, 3],
    ]);
  });

  it("uses the backtick with escape=` (Windows-style files, CRLF)", () => {
    const text = "# escape=`\r\nFROM mcr.microsoft.com/windows/servercore\r\nCOPY testfile.txt c:\\\r\nRUN dir c:\\ `\r\n  && echo done\r\n";
    assert.deepEqual(summary(text), [
      ["FROM", ["mcr.microsoft.com/windows/servercore"], 2, 2],
      ["COPY", ["testfile.txt", "c:\\"], 3, 3],
      ["RUN", ["dir c:\\   && echo done"], 4, 5],
    ]);
  });

  it("treats # as a comment only at the start of a line", () => {
    assert.deepEqual(summary("FROM x\n   # indented comment\nRUN echo a # not a comment\n"), [
      ["FROM", ["x"], 1, 1],
      ["RUN", ["echo a # not a comment"], 3, 3],
    ]);
  });

  it("keeps the comments above an instruction", () => {
    const n = nodes("# first\n# second\nFROM x\n#\nRUN a\n");
    assert.deepEqual(n[0]?.comments, ["first", "second"]);
    assert.deepEqual(n[1]?.comments, []);
  });

  it("line numbers across blank lines, comments and long continuations", () => {
    const text = [
      "# ESCAPE=\\",
      "",
      "",
      "",
      "FROM ubuntu:22.04",
      "",
      "# a comment",
      "ENV GOPATH \\",
      "/go",
      "",
      "RUN apt-get update \\",
      "\t&& apt-get install -y git \\",
      "",
      "",
      "    && apt-get clean \\",
      "",
      "\t&& rm -rf /var/lib/apt/lists",
      "",
      "",
    ].join("\n");
    assert.deepEqual(
      nodes(text).map((n) => [n.startLine, n.endLine]),
      [
        [5, 5],
        [8, 9],
        [11, 17],
      ],
    );
  });

  it("warns once per instruction with empty continuation lines", () => {
    const r = parseDockerfileNodes(
      "FROM a\nRUN valid \\\n  continuation\nRUN something \\\n\n  following \\\n\n  more\nRUN x \\\n# comment\n  after\n",
    );
    assert.deepEqual(r.warnings, ["Empty continuation line found in: RUN something   following   more"]);
  });

  it("fails on a file with no instructions", () => {
    assert.throws(() => parseDockerfileNodes(""), /file with no instructions/);
    assert.throws(() => parseDockerfileNodes("# only\n\n# comments\n"), DockerfileParseError);
  });
});

describe("argument splitting", () => {
  it("separates flags, quotes processed, up to a bare --", () => {
    const [n] = nodes('COPY --from=build --chown="1:2" --link -- --weird /dst\n');
    assert.deepEqual(n?.flags, ["--from=build", "--chown=1:2", "--link"]);
    assert.deepEqual(n?.args, ["--weird", "/dst"]);
  });

  it("JSON form and its shell-form fallback", () => {
    const [a, b, c, d] = nodes(
      'CMD ["echo", "a  b"]\nCMD [\'echo\', "x"]\nENTRYPOINT ["echo", "not json]\nRUN [ "sh" , "-c", "x" ]   \n',
    );
    assert.deepEqual([a?.args, a?.json], [["echo", "a  b"], true]);
    assert.deepEqual([b?.args, b?.json], [["['echo', \"x\"]"], false]);
    assert.deepEqual([c?.args, c?.json], [['["echo", "not json]'], false]);
    assert.deepEqual([d?.args, d?.json], [["sh", "-c", "x"], true]);
  });

  it("rejects a JSON array of non-strings", () => {
    assert.throws(() => nodes("FROM x\nCMD [1, 2]\n"), {
      message: "dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only",
    });
  });

  it("ENV/LABEL: key=value words with quotes kept, or the legacy form", () => {
    const [e1, e2, l] = nodes('ENV A=1 B="two words" C=x\\ y\nENV PATH /usr/bin:$PATH  extra\nLABEL "com.x"="y" a=\n');
    assert.deepEqual(e1?.args, ["A", "1", "=", "B", '"two words"', "=", "C", "x\\ y", "="]);
    assert.deepEqual(e2?.args, ["PATH", "/usr/bin:$PATH  extra", ""]);
    assert.deepEqual(l?.args, ['"com.x"', '"y"', "=", "a", "", "="]);
  });

  it("ENV/LABEL/ARG words keep quotes and escapes, split on unquoted spaces", () => {
    const [a] = nodes("ARG foo bar='abc xyz' \"q r\" x\\ y föo=\"âbc xÿz\"\n");
    assert.deepEqual(a?.args, ["foo", "bar='abc xyz'", '"q r"', "x\\ y", 'föo="âbc xÿz"']);
  });

  it("ENV errors", () => {
    assert.throws(() => nodes("ENV ONLYKEY\n"), /ENV must have two arguments/);
    assert.throws(() => nodes("ENV a=1 b\n"), /can't find = in "b". Must be of the form: name=value/);
  });

  it("HEALTHCHECK splits the type from the command", () => {
    const [a, b] = nodes('HEALTHCHECK --retries=3 CMD ["curl", "-f"]\nHEALTHCHECK  CMD   curl -f x || exit 1\n');
    assert.deepEqual([a?.flags, a?.args, a?.json], [["--retries=3"], ["CMD", "curl", "-f"], true]);
    assert.deepEqual([b?.args, b?.json], [["CMD", "curl -f x || exit 1"], false]);
  });

  it("ONBUILD holds its trigger as a child", () => {
    const [n] = nodes("ONBUILD COPY --chown=1 a /b\n");
    assert.deepEqual(n?.args, ["COPY", "a", "/b"]);
    assert.deepEqual(n?.child?.flags, ["--chown=1"]);
  });
});

describe("heredocs", () => {
  it("reads RUN <<EOF bodies and continues after the terminator", () => {
    const r = nodes("FROM x\nRUN <<EOF\necho hello\necho world\nEOF\nCMD done\n");
    const run = r[1];
    assert.equal(run?.startLine, 2);
    assert.equal(run?.endLine, 5);
    assert.deepEqual(run?.heredocs, [
      { name: "EOF", fileDescriptor: 0, expand: true, chomp: false, content: "echo hello\necho world\n" },
    ]);
    assert.deepEqual(r[2]?.args, ["done"]);
    assert.equal(r[2]?.startLine, 6);
  });

  it("<<- ignores leading tabs on the terminator; quoted names disable expansion", () => {
    const [, run, copy] = nodes("FROM x\nRUN <<-'EOT' bash\n\techo $HOME\n\tEOT\nCOPY <<\"A\" <<B /dst/\na\nA\nb\nB\n");
    assert.deepEqual(run?.heredocs, [
      { name: "EOT", fileDescriptor: 0, expand: false, chomp: true, content: "\techo $HOME\n" },
    ]);
    assert.deepEqual(
      copy?.heredocs.map((h) => [h.name, h.expand, h.content]),
      [
        ["A", false, "a\n"],
        ["B", true, "b\n"],
      ],
    );
  });

  it("finds heredocs after a command and with a file descriptor", () => {
    const [run, run2] = nodes("RUN python3 <<EOF\nprint(1)\nEOF\nRUN 3<<X cat /dev/fd/3\nx\nX\n");
    assert.deepEqual(run?.args, ["python3 <<EOF"]);
    assert.equal(run?.heredocs[0]?.content, "print(1)\n");
    assert.equal(run2?.heredocs[0]?.fileDescriptor, 3);
  });

  it("ignores << in JSON form and in instructions without heredocs", () => {
    const r = nodes('RUN ["cat", "<<EOF"]\nEOF\nLABEL a="<<X"\n');
    assert.equal(r[0]?.heredocs.length, 0);
    assert.equal(r[1]?.cmd, "EOF"); // left for parseInstruction to reject
    assert.equal(r[2]?.heredocs.length, 0);
  });

  it("odd delimiters: partly quoted, escaped quote, spaces, $, redirect after", () => {
    const text = [
      "RUN <<eo'f'",
      "x",
      "eof",
      "RUN <<eo\\'f",
      "x",
      "eo'f",
      "RUN <<'one two'",
      "x",
      "one two",
      "RUN <<$EOF",
      "$EOF",
      "RUN <<  EOF  > /out",
      "EOF",
      "RUN <<'unterminated quote",
      "",
    ].join("\n");
    assert.deepEqual(
      nodes(text).map((n) => n.heredocs.map((h) => [h.name, h.expand, h.content])),
      [[["eof", false, "x\n"]], [["eo'f", true, "x\n"]], [["one two", false, "x\n"]], [["$EOF", true, ""]], [["EOF", true, ""]], []],
    );
  });

  it("a delimiter line inside another heredoc's body does not end it early", () => {
    const [n] = nodes("COPY <<X <<Y /dest\nY\nX\nX\nY\n");
    assert.deepEqual(n?.heredocs.map((h) => [h.name, h.content]), [
      ["X", "Y\n"],
      ["Y", "X\n"],
    ]);
  });

  it("fails on a heredoc without terminator", () => {
    assert.throws(
      () => nodes("FROM x\nRUN <<EOF\necho hi\n"),
      (e: unknown) => e instanceof DockerfileParseError && e.detail === "unterminated heredoc" && e.startLine === 2,
    );
  });

  it("attaches ONBUILD heredocs", () => {
    const [n] = nodes("ONBUILD RUN <<EOF\necho on\nEOF\n");
    assert.equal(n?.heredocs[0]?.content, "echo on\n");
  });
});
