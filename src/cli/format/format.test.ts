import { test } from "node:test";
import assert from "node:assert/strict";
import { Template, TemplateError } from "./template.js";
import { tabwrite } from "./tabwriter.js";
import { humanDuration, humanSizeWithPrecision, humanSize } from "./units.js";
import { renderList } from "./formatter.js";
import { formatLine } from "./jsonmessage.js";

const t = (src: string, data: unknown): string => Template.parse(src).execute(data);

test("template fields, functions, control flow", () => {
  assert.equal(t("{{.A.B}}", { A: { B: "x" } }), "x");
  assert.equal(t("{{json .}}", { a: [1] }), '{"a":[1]}');
  assert.equal(t('{{join .L ","}}', { L: ["a", "b"] }), "a,b");
  assert.equal(t("{{index .L 1}}", { L: ["a", "b"] }), "b");
  assert.equal(t('{{index .M "k"}}', { M: { k: "v" } }), "v");
  assert.equal(t("{{range .L}}[{{.}}]{{end}}", { L: ["a", "b"] }), "[a][b]");
  assert.equal(t("{{range $i, $v := .L}}{{$i}}={{$v}} {{end}}", { L: ["a"] }), "0=a ");
  assert.equal(t('{{if eq .A "x"}}yes{{else}}no{{end}}', { A: "y" }), "no");
  assert.equal(t("{{if ne .A 1}}a{{else if .B}}b{{end}}", { A: 1, B: true }), "b");
  assert.equal(t('{{printf "%-4s|%3d" .A .N}}', { A: "ab", N: 7 }), "ab  |  7");
  assert.equal(t("{{len .L}} {{.S | lower}} {{upper .S}} {{title \"hello world\"}}", { L: [1, 2], S: "Ab" }), "2 ab AB Hello World");
  assert.equal(t('{{index (split .S ":") 0}}', { S: "a:b" }), "a");
  assert.equal(t("{{range .L}}{{$.X}}{{end}}", { L: [1, 2], X: "x" }), "xx");
  assert.equal(t("{{.Missing}}", {}), "<no value>");
  assert.equal(t("a {{- .X -}} b", { X: 1 }), "a1b");
  assert.equal(t("{{.L}} {{.M}}", { L: ["a", "b"], M: { x: 1 } }), "[a b] map[x:1]");
});

test("template parse errors", () => {
  assert.throws(() => Template.parse("{{.A"), TemplateError);
  assert.throws(() => Template.parse("{{nofunc .A}}"), /function "nofunc" not defined/);
  assert.throws(() => Template.parse("{{if .A}}x"), /unexpected EOF/);
});

test("tabwriter matches Go (minwidth 10, padding 3)", () => {
  assert.equal(tabwrite("REPOSITORY\tTAG\tIMAGE ID\nbusybox\tlatest\tabc\n"), "REPOSITORY   TAG       IMAGE ID\nbusybox      latest    abc\n");
  assert.equal(tabwrite("a\tb\nlonger-cell-here\tc\n", { minwidth: 0, padding: 1 }), "a                b\nlonger-cell-here c\n");
});

test("table render with header names", () => {
  const out = renderList("table {{.ID}}\\t{{.Size}}", "", [{ ID: "abc", Size: "1MB" }], { ID: "IMAGE ID", Size: "SIZE" });
  assert.equal(out, "IMAGE ID   SIZE\nabc        1MB\n");
  assert.equal(renderList("{{.ID}}", "", [{ ID: "x" }], {}), "x\n");
});

test("human sizes and durations like go-units", () => {
  assert.equal(humanSizeWithPrecision(0, 3), "0B");
  assert.equal(humanSizeWithPrecision(1230, 3), "1.23kB");
  assert.equal(humanSizeWithPrecision(4_260_000, 3), "4.26MB");
  assert.equal(humanSizeWithPrecision(1000, 3), "1kB");
  assert.equal(humanSizeWithPrecision(999_999, 3), "1e+03kB");
  assert.equal(humanSize(1_234_567), "1.235MB");
  assert.equal(humanDuration(500), "Less than a second");
  assert.equal(humanDuration(1000), "1 second");
  assert.equal(humanDuration(120_000), "2 minutes");
  assert.equal(humanDuration(3_600_000), "About an hour");
  assert.equal(humanDuration(3 * 86_400_000), "3 days");
});

test("jsonmessage status line", () => {
  assert.equal(formatLine({ id: "abc", status: "Loading layer", progress: "[=>  ]" }), "abc: Loading layer [=>  ]");
});
