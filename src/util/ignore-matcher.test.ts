import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IgnoreMatcher, goCleanPath, goPathMatch, parseDockerignore, patternToRegExp, validateGoPattern } from "./ignore-matcher.js";
import { InvalidArgumentError } from "../errdefs/index.js";

function m(patterns: string[], path: string): boolean {
  return new IgnoreMatcher(patterns).matches(path);
}

describe("goCleanPath", () => {
  const cases: Array<[string, string]> = [
    ["", "."],
    [".", "."],
    ["a/b/../c", "a/c"],
    ["./a//b/", "a/b"],
    ["../a", "../a"],
    ["a/../..", ".."],
    ["/../a", "/a"],
    ["/", "/"],
    ["//a/./b/..", "/a"],
  ];
  for (const [i, o] of cases) it(`${JSON.stringify(i)} → ${o}`, () => assert.equal(goCleanPath(i), o));
});

describe("parseDockerignore", () => {
  it("drops comments, blank lines, BOM; trims; cleans; strips leading /", () => {
    const text = "\uFEFF# comment\n  foo  \n\n/bar/../baz/\n!  /keep/me\n #not a comment\n./x/./y\r\nnode_modules\n/\n";
    assert.deepEqual(parseDockerignore(text), ["foo", "baz", "!keep/me", "#not a comment", "x/y", "node_modules", "/"]);
  });
  it("keeps a lone ! (the matcher rejects it)", () => {
    assert.deepEqual(parseDockerignore("!\n"), ["!"]);
    assert.throws(() => new IgnoreMatcher(["!"]), /illegal exclusion pattern: "!"/);
  });
  it("comment must start at column 0 to be a comment", () => {
    assert.deepEqual(parseDockerignore("#a\n  #b"), ["#b"]);
  });
});

describe("IgnoreMatcher.matches (moby tables)", () => {
  // [pattern, path, expected] in the spirit of moby/patternmatcher's TestMatch/TestMatches.
  const table: Array<[string, string, boolean]> = [
    ["**", "file", true],
    ["**", "file/", true],
    ["**/", "file", true],
    ["**/", "dir/file", true],
    ["**", "/", true],
    ["**/file", "file", true],
    ["**/file", "dir/file", true],
    ["**/file", "dir/dir/file", true],
    ["**/file", "dir/dir/notfile", false],
    ["**/.foo", ".foo", true],
    ["**/.foo", "bar.foo", false],
    ["**/foo/bar", "foo/bar", true],
    ["**/foo/bar", "x/foo/bar", true],
    ["**/foo/bar", "foo/x/bar", false],
    ["dir/**", "dir/file", true],
    ["dir/**", "dir/file/", true],
    ["dir/**", "dir/dir2/file", true],
    ["dir/**", "dir", false],
    ["dir/**", "dir2/file", false],
    ["dir/**/file", "dir/file", true],
    ["dir/**/file", "dir/a/b/file", true],
    ["dir/**/file", "dir/a/b/file2", false],
    ["**/dir", "a/b/dir/c", true], // parent matches
    ["**/dir2/*", "dir/dir2/file", true],
    ["**/dir2/*", "dir/dir2/g/file", true], // parent dir/dir2/g matches
    ["**file", "file", true],
    ["**file", "dir/file", true],
    ["**/file*", "dir/dir/file", true],
    ["**/file*", "dir/dir/file.txt", true],
    ["**/file*txt", "dir/dir/file.txt", true],
    ["**/file*.txt", "dir/dir/file.txt", true],
    ["**/**/*.txt", "dir/dir/file.txt", true],
    ["**/**/*.txt2", "dir/dir/file.txt", false],
    ["**/*.txt", "file.txt", true],
    ["**/**/*.txt", "file.txt", true],
    ["a**/*.txt", "a/file.txt", true],
    ["a**/*.txt", "a/dir/file.txt", true],
    ["a**/*.txt", "a/dir/dir/file.txt", true],
    ["a/*.txt", "a/dir/file.txt", false],
    ["a/*.txt", "a/file.txt", true],
    ["a/*.txt**", "a/file.txt", true],
    ["a[b-d]e", "ae", false],
    ["a[b-d]e", "ace", true],
    ["a[b-d]e", "aae", false],
    ["a[^b-d]e", "aze", true],
    [".*", ".foo", true],
    [".*", "foo", false],
    ["abc.def", "abcdef", false],
    ["abc.def", "abc.def", true],
    ["abc.def", "abcZdef", false],
    ["abc?def", "abcZdef", true],
    ["abc?def", "abc/def", false],
    ["abc?def", "abcdef", false],
    ["a\\\\", "a\\", true],
    ["**/foo/bar", "foo/bar", true],
    ["**/foo/bar", "dir/foo/bar", true],
    ["**/foo/bar", "dir/dir2/foo/bar", true],
    ["abc/**", "abc", false],
    ["abc/**", "abc/def", true],
    ["abc/**", "abc/def/ghi", true],
    ["**/.foo", "bar.foo", false],
    ["a(b)c/def", "a(b)c/def", true],
    ["a(b)c/def", "a(b)c/xyz", false],
    ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
    ["dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
    ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
    // *.go vs a/*.go: a pattern without a slash only matches at the root
    ["*.go", "main.go", true],
    ["*.go", "a/main.go", false],
    ["a/*.go", "a/main.go", true],
    ["a/*.go", "a/b/main.go", false],
    ["a/*.go", "b/main.go", false],
    // a pattern matching a parent directory excludes everything under it
    ["docs", "docs/a/b/c.md", true],
    ["docs", "docsx", false],
    ["do?s", "docs/x", true],
    ["*", "anything/deep/down", true],
    // escapes
    ["\\*", "*", true],
    ["\\*", "x", false],
    ["a\\?b", "a?b", true],
    ["a\\?b", "axb", false],
    ["\\[x\\]", "[x]", true],
    ["[\\]]", "]", true],
    ["[*]", "*", true],
    ["[*]", "a", false],
    ["x\\y", "xy", true],
    // unicode: ? is one character, not one code unit
    ["?", "é", true],
    ["a?c", "a😀c", true],
  ];
  for (const [pat, path, want] of table) {
    it(`${JSON.stringify(pat)} ${want ? "matches" : "does not match"} ${JSON.stringify(path)}`, () => {
      assert.equal(m([pat], path), want);
    });
  }
});

describe("IgnoreMatcher exclusions", () => {
  it("later lines win", () => {
    assert.equal(m(["*.md", "!README.md"], "README.md"), false);
    assert.equal(m(["*.md", "!README.md"], "CHANGES.md"), true);
    assert.equal(m(["!README.md", "*.md"], "README.md"), true);
    assert.equal(m(["*.md", "!README*.md", "README-secret.md"], "README-secret.md"), true);
    assert.equal(m(["*.md", "!README*.md", "README-secret.md"], "README-public.md"), false);
  });
  it("re-includes a file inside an excluded directory", () => {
    const pm = new IgnoreMatcher(["docs", "!docs/keep.md"]);
    assert.equal(pm.matches("docs"), true);
    assert.equal(pm.matches("docs/other.md"), true);
    assert.equal(pm.matches("docs/keep.md"), false);
    assert.equal(pm.matches("docs/sub/keep.md"), true);
  });
  it("re-including a directory re-includes its content", () => {
    const pm = new IgnoreMatcher(["*", "!src", "src/*.tmp"]);
    assert.equal(pm.matches("src/a.ts"), false);
    assert.equal(pm.matches("src/deep/a.ts"), false);
    assert.equal(pm.matches("src/x.tmp"), true);
    assert.equal(pm.matches("other"), true);
  });
  it("** exclusion", () => {
    const pm = new IgnoreMatcher(["**/*.log", "!**/keep.log"]);
    assert.equal(pm.matches("a/b/c.log"), true);
    assert.equal(pm.matches("a/b/keep.log"), false);
    assert.equal(pm.matches("keep.log"), false);
  });
  it("paths are cleaned before matching", () => {
    const pm = new IgnoreMatcher(["foo/bar"]);
    assert.equal(pm.matches("./foo//bar"), true);
    assert.equal(pm.matches("/foo/bar/baz"), true);
    assert.equal(pm.matches("foo/x/../bar"), true);
  });
  it("empty matcher matches nothing", () => {
    assert.equal(m([], "a"), false);
  });
});

describe("IgnoreMatcher.mayReinclude", () => {
  it("false without exclusions", () => {
    assert.equal(new IgnoreMatcher(["docs"]).mayReinclude("docs"), false);
  });
  it("finds exclusions below the directory", () => {
    const pm = new IgnoreMatcher(["docs", "!docs/keep.md", "!other/x"]);
    assert.equal(pm.mayReinclude("docs"), true);
    assert.equal(pm.mayReinclude("docs/sub"), false);
    assert.equal(pm.mayReinclude("vendor"), false);
    assert.equal(pm.mayReinclude("other"), true);
  });
  it("a class holding a slash does not break the per-component check", () => {
    const pm = new IgnoreMatcher(["*", "![a/b]x"]);
    assert.equal(pm.mayReinclude("a"), true);
  });
  it("wildcards and ** are honoured", () => {
    const pm = new IgnoreMatcher(["*", "!*/keep"]);
    assert.equal(pm.mayReinclude("anydir"), true);
    assert.equal(pm.mayReinclude("anydir/deeper"), false);
    const pm2 = new IgnoreMatcher(["*", "!**/keep"]);
    assert.equal(pm2.mayReinclude("a/b/c"), true);
    const pm3 = new IgnoreMatcher(["*", "!a*"]);
    assert.equal(pm3.mayReinclude("abc"), true);
    assert.equal(pm3.mayReinclude("abc/def"), true); // abc itself re-included → all under it
    assert.equal(pm3.mayReinclude("bcd"), false);
  });
});

describe("Go filepath.Match", () => {
  const table: Array<[string, string, boolean]> = [
    ["abc", "abc", true],
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "a", true],
    ["a*", "ab/c", false],
    ["a*/b", "abc/b", true],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
    ["a*b?c*x", "abxbbxdbxebxczzx", true],
    ["ab[c]", "abc", true],
    ["ab[b-d]", "abc", true],
    ["ab[e-g]", "abc", false],
    ["ab[^c]", "abc", false],
    ["ab[^b-d]", "abe", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "ab", false],
    ["a?b", "a☺b", true],
    ["[a-ζ]*", "α", true],
    ["*x", "xxx", true],
    ["**", "a/b", false],
  ];
  for (const [pat, s, want] of table) {
    it(`Match(${JSON.stringify(pat)}, ${JSON.stringify(s)}) = ${want}`, () => assert.equal(goPathMatch(pat, s), want));
  }
  it("bad patterns are rejected like ErrBadPattern", () => {
    for (const bad of ["[", "[^", "[^bc", "a[", "a\\", "[]a]", "[-]", "[x-]", "[a-b-c]", "[\\", "*x\\"]) {
      assert.throws(() => validateGoPattern(bad), (e: unknown) => e instanceof InvalidArgumentError && /syntax error in pattern/.test(e.message), bad);
    }
    assert.throws(() => new IgnoreMatcher(["ok", "[oops"]), /syntax error in pattern/);
  });
  it("good patterns validate", () => {
    for (const good of ["[\\]]", "[\\]a]", "a[b-d]", "[^a]", "x\\*"]) validateGoPattern(good);
    assert.ok(patternToRegExp("a").test("a"));
  });
});

describe("moby/patternmatcher's own tables (MatchesOrParentMatches)", () => {
  // [pattern, text, matches] — "exact" and "inexact" cases both match through parent matching.
  const tests: Array<[string, string, boolean]> = [
    ["**", "file", true],
    ["**", "file/", true],
    ["**/", "file", true],
    ["**/", "file/", true],
    ["**", "/", true],
    ["**/", "/", true],
    ["**", "dir/file", true],
    ["**/", "dir/file", true],
    ["**", "dir/file/", true],
    ["**/", "dir/file/", true],
    ["**/**", "dir/file", true],
    ["**/**", "dir/file/", true],
    ["dir/**", "dir/file", true],
    ["dir/**", "dir/file/", true],
    ["dir/**", "dir/dir2/file", true],
    ["dir/**", "dir/dir2/file/", true],
    ["**/dir", "dir", true],
    ["**/dir", "dir/file", true],
    ["**/dir2/*", "dir/dir2/file", true],
    ["**/dir2/*", "dir/dir2/file/", true],
    ["**/dir2/**", "dir/dir2/dir3/file", true],
    ["**/dir2/**", "dir/dir2/dir3/file/", true],
    ["**file", "file", true],
    ["**file", "dir/file", true],
    ["**/file", "dir/file", true],
    ["**file", "dir/dir/file", true],
    ["**/file", "dir/dir/file", true],
    ["**/file*", "dir/dir/file", true],
    ["**/file*", "dir/dir/file.txt", true],
    ["**/file*txt", "dir/dir/file.txt", true],
    ["**/file*.txt", "dir/dir/file.txt", true],
    ["**/file*.txt*", "dir/dir/file.txt", true],
    ["**/**/*.txt", "dir/dir/file.txt", true],
    ["**/**/*.txt2", "dir/dir/file.txt", false],
    ["**/*.txt", "file.txt", true],
    ["**/**/*.txt", "file.txt", true],
    ["a**/*.txt", "a/file.txt", true],
    ["a**/*.txt", "a/dir/file.txt", true],
    ["a**/*.txt", "a/dir/dir/file.txt", true],
    ["a/*.txt", "a/dir/file.txt", false],
    ["a/*.txt", "a/file.txt", true],
    ["a/*.txt**", "a/file.txt", true],
    ["a[b-d]e", "ae", false],
    ["a[b-d]e", "ace", true],
    ["a[b-d]e", "aae", false],
    ["a[^b-d]e", "aze", true],
    [".*", ".foo", true],
    [".*", "foo", false],
    ["abc.def", "abcdef", false],
    ["abc.def", "abc.def", true],
    ["abc.def", "abcZdef", false],
    ["abc?def", "abcZdef", true],
    ["abc?def", "abcdef", false],
    ["**/foo/bar", "foo/bar", true],
    ["**/foo/bar", "dir/foo/bar", true],
    ["**/foo/bar", "dir/dir2/foo/bar", true],
    ["abc/**", "abc", false],
    ["abc/**", "abc/def", true],
    ["abc/**", "abc/def/ghi", true],
    ["**/.foo", ".foo", true],
    ["**/.foo", "bar.foo", false],
    ["a(b)c/def", "a(b)c/def", true],
    ["a(b)c/def", "a(b)c/xyz", false],
    ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
    ["a\\\\", "a\\", true],
    ["a\\*b", "a*b", true],
    // moby's suffix match: `**` followed by plain text means "ends with"
    ["**foo", "barfoo", true],
    ["**.log", "a/b.log", true],
    ["**.log", "a/b.txt", false],
  ];
  for (const [pat, text, want] of tests) {
    it(`${JSON.stringify(pat)} vs ${JSON.stringify(text)} → ${want}`, () => assert.equal(m([pat], text), want));
  }
  const multi: Array<[string[], string, boolean]> = [
    [["**", "!util/docker/web"], "util/docker/web/foo", false],
    [["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true],
    [["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
    [["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
    [["docs", "!docs/README.md"], "docs/README.md", false],
    [["docs/", "!docs/README.md"], "docs/README.md", false],
    [["docs/*", "!docs/README.md"], "docs/README.md", false],
    [["!fileutils.go", "*.go"], "fileutils.go", true],
    [["*.go", "!fileutils.go"], "fileutils.go", false],
    [["*.go"], ".", false],
    [[], "/any/path/there", false],
  ];
  for (const [pats, text, want] of multi) {
    it(`${JSON.stringify(pats)} vs ${JSON.stringify(text)} → ${want}`, () => assert.equal(m(pats, text), want));
  }
  // Go's filepath.Match tests as moby runs them through Matches (with parent matching).
  const matchTests: Array<[string, string, boolean | "bad"]> = [
    ["abc", "abc", true],
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "a", true],
    ["a*", "abc", true],
    ["a*", "ab/c", true],
    ["a*/b", "abc/b", true],
    ["a*/b", "a/c/b", false],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
    ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
    ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false],
    ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false],
    ["a*b?c*x", "abxbbxdbxebxczzx", true],
    ["a*b?c*x", "abxbbxdbxebxczzy", false],
    ["ab[c]", "abc", true],
    ["ab[b-d]", "abc", true],
    ["ab[e-g]", "abc", false],
    ["ab[^c]", "abc", false],
    ["ab[^b-d]", "abc", false],
    ["ab[^e-g]", "abc", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "ab", false],
    ["a?b", "a☺b", true],
    ["a[^a]b", "a☺b", true],
    ["a???b", "a☺b", false],
    ["a[^a][^a][^a]b", "a☺b", false],
    ["[a-ζ]*", "α", true],
    ["*[a-ζ]", "A", false],
    ["a?b", "a/b", false],
    ["a*b", "a/b", false],
    ["[\\]a]", "]", true],
    ["[\\-]", "-", true],
    ["[x\\-]", "x", true],
    ["[x\\-]", "-", true],
    ["[x\\-]", "z", false],
    ["[\\-x]", "x", true],
    ["[\\-x]", "-", true],
    ["[\\-x]", "a", false],
    ["[]a]", "]", "bad"],
    ["[-]", "-", "bad"],
    ["[x-]", "x", "bad"],
    ["[-x]", "x", "bad"],
    ["\\", "a", "bad"],
    ["[a-b-c]", "a", "bad"],
    ["[", "a", "bad"],
    ["[^", "a", "bad"],
    ["[^bc", "a", "bad"],
    ["a[", "a", "bad"],
    ["a[", "ab", "bad"],
    ["*x", "xxx", true],
  ];
  for (const [pat, text, want] of matchTests) {
    it(`Matches(${JSON.stringify(text)}, [${JSON.stringify(pat)}]) → ${want}`, () => {
      if (want === "bad") assert.throws(() => m([pat], text), /syntax error in pattern/);
      else assert.equal(m([pat], text), want);
    });
  }
});
