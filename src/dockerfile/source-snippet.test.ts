import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatSourceSnippet } from "./source-snippet.js";

describe("formatSourceSnippet", () => {
  it("marks the failing lines with context, like BuildKit", () => {
    const text = "FROM busybox\nRUN true\nFOO bar\nCMD x\n";
    assert.equal(
      formatSourceSnippet(text, 3, 3),
      [
        "Dockerfile:3",
        "--------------------",
        "   1 |     FROM busybox",
        "   2 |     RUN true",
        "   3 | >>> FOO bar",
        "   4 |     CMD x",
        "   5 |     ",
        "--------------------",
        "",
      ].join("\n"),
    );
    const multi = formatSourceSnippet("a\nb\nc\nd\ne\nf\ng\n", 3, 4, "x.Dockerfile");
    assert.equal(multi.split("\n")[0], "x.Dockerfile:3");
    assert.deepEqual(
      multi.split("\n").filter((l) => l.includes(">>>")).map((l) => l.trim()),
      ["3 | >>> c", "4 | >>> d"],
    );
    assert.equal(formatSourceSnippet(text, 99, 99), "");
  });
});
