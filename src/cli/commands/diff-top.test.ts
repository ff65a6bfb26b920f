import assert from "node:assert/strict";
import { test } from "node:test";
import { renderChanges } from "./diff.js";
import { renderTop } from "./top.js";

test("diff renders kinds as C/A/D", () => {
  assert.equal(renderChanges([{ Kind: 0, Path: "/etc" }, { Kind: 1, Path: "/etc/x" }, { Kind: 2, Path: "/tmp/y" }]), "C /etc\nA /etc/x\nD /tmp/y\n");
  assert.equal(renderChanges(null), "");
});

test("top pads columns to at least 20 with 3 spaces padding", () => {
  const s = renderTop({ Titles: ["UID", "PID", "CMD"], Processes: [["root", "1234", "sleep 100"]] });
  assert.equal(s, `${"UID".padEnd(20)}${"PID".padEnd(20)}CMD\n${"root".padEnd(20)}${"1234".padEnd(20)}sleep 100\n`);
});
