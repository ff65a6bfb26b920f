import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../errdefs/index.js";
import { envFromList, expandHeredocContent, expandWord, expandWords, processWord } from "./expand.js";

const env = new Map([
  ["PWD", "/home"],
  ["SHELL", "bash"],
  ["NULL", ""],
  ["KOREAN", "한국어"],
  ["FILE", "/path/to/archive.tar.gz"],
  ["SPACE", "abc  def"],
  ["LEADING", "  ab c"],
]);

/** [input, expected] — undefined expected means an error. */
const WORD_CASES: [string, string | undefined][] = [
  ["hello", "hello"],
  ["he'll'o", "hello"],
  ["he'llo", undefined],
  ["he\\'llo", "he'llo"],
  ["abc\\tdef", "abctdef"],
  ['"abc\\tdef"', "abc\\tdef"],
  ['"abc\\\\tdef"', "abc\\tdef"],
  ["'abc\\tdef'", "abc\\tdef"],
  ["hello\\", "hello"],
  ["hello\\\\", "hello\\"],
  ['"hello', undefined],
  ['"hello\\"', undefined],
  ["'hello\\'", "hello\\"],
  ["$.", "$."],
  ["he$1x", "hex"],
  ["he$pwd.", "he."],
  ["he$PWD", "he/home"],
  ["he\\$PWD", "he$PWD"],
  ["he\\\\$PWD", "he\\/home"],
  ['"he\\$PWD"', "he$PWD"],
  ["'he\\$PWD'", "he\\$PWD"],
  ["\\${}", "${}"],
  ["${}", undefined],
  ["he${.}", undefined],
  ["he${hi}xx", "hexx"],
  ["he${XXX:-000}xx", "he000xx"],
  ["he${PWD:-000}xx", "he/homexx"],
  ["he${XXX:-$PWD}xx", "he/homexx"],
  ["he${XXX:-${YYY:-yyy}}xx", "heyyyxx"],
  ["he${NULL:-x}", "hex"],
  ["he${NULL-x}", "he"],
  ["he${XXX-x}", "hex"],
  ["he${XXX:YYY}", undefined],
  ["he${XXX?}", undefined],
  ["he${PWD?}", "he/home"],
  ["he${NULL?}", "he"],
  ["he${NULL:?}", undefined],
  ["he${XXX:+000}xx", "hexx"],
  ["he${PWD:+000}xx", "he000xx"],
  ["he${NULL+set}", "heset"],
  ["he${NULL:+set}", "he"],
  ["he${PWD:+${SHELL}}xx", "hebashxx"],
  ["'he${XX}'", "he${XX}"],
  ['"he\'$PWD\'"', "he'/home'"],
  ["he${PWD", undefined],
  ["he${PWD:=000}xx", undefined],
  ["he${XXX:-\\$PWD:}xx", "he$PWD:xx"],
  ["안녕$KOREAN", "안녕한국어"],
  ["${aaa:-bbb}}", "bbb}"],
  ["${aaa:-bbb {foo}", "bbb {foo"],
  ["${aaa:-bbb ${foo}", undefined],
  ["${999:-bbb}aaa", "bbbaaa"],
  ["$@aaa", "aaa"],
  ["${FILE#*/}", "path/to/archive.tar.gz"],
  ["${FILE##*/}", "archive.tar.gz"],
  ["${FILE%.*}", "/path/to/archive.tar"],
  ["${FILE%%.*}", "/path/to/archive"],
  ["${FILE#/path}", "/to/archive.tar.gz"],
  ["${FILE%.g?}", "/path/to/archive.tar"],
  ["${FILE/a/A}", "/pAth/to/archive.tar.gz"],
  ["${FILE//a/A}", "/pAth/to/Archive.tAr.gz"],
  ["${FILE/t*r/X}", "/paX.gz"],
  ["${FILE:#x}", undefined],
  ["${SPACE}", "abc  def"],
];

describe("expandWord (BuildKit shell lexer)", () => {
  for (const [input, expected] of WORD_CASES) {
    it(`${input} → ${expected === undefined ? "error" : JSON.stringify(expected)}`, () => {
      if (expected === undefined) {
        assert.throws(() => expandWord(input, env), InvalidArgumentError);
      } else {
        assert.equal(expandWord(input, env), expected);
      }
    });
  }

  it("names the word and the reason in errors", () => {
    assert.throws(() => expandWord("${X:?must be set}", env), {
      message: 'failed to process "${X:?must be set}": X: must be set',
    });
    assert.throws(() => expandWord("${NULL:?}", env), /NULL: is not allowed to be empty/);
    assert.throws(() => expandWord("${X?}", env), /X: is not allowed to be unset/);
    assert.throws(() => expandWord("${}", env), /bad substitution/);
    assert.throws(() => expandWord("${X", env), /missing '}'/);
    assert.throws(() => expandWord("'x", env), /matching single-quote/);
  });

  it("uses the backtick as escape character when asked", () => {
    assert.equal(expandWord("C:\\path`$PWD", env, "`"), "C:\\path$PWD");
    assert.equal(expandWord("a\\b", env, "`"), "a\\b");
    assert.equal(expandWord('"a`"b"', env, "`"), 'a"b');
  });

  it("accepts records and functions as the environment", () => {
    assert.equal(expandWord("$A-$B", { A: "1" }), "1-");
    assert.equal(expandWord("${A:-d}", (n) => (n === "A" ? "fn" : undefined)), "fn");
    // inherited properties are not variables
    assert.equal(expandWord("${toString:-unset}", {}), "unset");
  });

  it("envFromList reads Docker's KEY=VALUE lists", () => {
    const m = envFromList(["A=1", "B=x=y", "C", "A=2"]);
    assert.deepEqual([...m], [
      ["A", "2"],
      ["B", "x=y"],
      ["C", ""],
    ]);
  });

  it("reports matched and unmatched variables", () => {
    const r = processWord("$PWD ${NOPE:-x} $SHELL", env);
    assert.deepEqual([...r.matched].sort(), ["PWD", "SHELL"]);
    assert.deepEqual([...r.unmatched], ["NOPE"]);
  });
});

describe("expandWords (word splitting)", () => {
  const cases: [string, string[]][] = [
    ["hello", ["hello"]],
    ["hello${hi}bye", ["hellobye"]],
    ["hello${SPACE}bye", ["helloabc", "defbye"]],
    ['hello"${SPACE}"bye', ["helloabc  defbye"]],
    ["hello${LEADING}def", ["hello", "ab", "cdef"]],
    ['hello"${LEADING}" def', ["hello  ab c", "def"]],
    ['hello" there  "', ["hello there  "]],
    ["hello there     ", ["hello", "there"]],
    ["hello\\ there", ["hello there"]],
    ['hello\\" there', ['hello"', "there"]],
    ["80/tcp  443/udp", ["80/tcp", "443/udp"]],
    ['""', []],
    ["", []],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(expandWords(input, env), expected);
    });
  }
  it("keeps a default value's prefix in the same word", () => {
    assert.deepEqual(expandWords("1${X:-2}3 4", env), ["123", "4"]);
  });
});

describe("expandHeredocContent", () => {
  it("expands variables but keeps quotes and other text", () => {
    assert.equal(
      expandHeredocContent('echo "$PWD" \'$SHELL\' \\$NOT <<x\n', env),
      "echo \"/home\" 'bash' $NOT <<x\n",
    );
  });
});
