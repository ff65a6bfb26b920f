import assert from "node:assert/strict";
import { test } from "node:test";
import { commandColumn, ellipsis, namesColumn, portsColumn } from "./container-rows.js";

test("command is cut to 20 characters with … and quoted", () => {
  assert.equal(commandColumn("sh -c 'while true; do sleep 1; done'", false), "\"sh -c 'while true; …\"");
  assert.equal(commandColumn("sleep 100", false), '"sleep 100"');
  assert.equal(commandColumn("sh -c 'while true; do sleep 1; done'", true), "\"sh -c 'while true; do sleep 1; done'\"");
  assert.equal(ellipsis("abc", 3), "abc");
});

test("names lose their leading slash; link names are hidden unless --no-trunc", () => {
  assert.equal(namesColumn(["/web", "/other/alias"], false), "web");
  assert.equal(namesColumn(["/web", "/other/alias"], true), "web,other/alias");
});

test("ports: published same-number ports, ranges collapsed, different host ports last", () => {
  assert.equal(
    portsColumn([
      { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
      { IP: "::", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
    ]),
    "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
  );
  assert.equal(
    portsColumn([
      { PrivatePort: 5001, Type: "tcp" },
      { PrivatePort: 5000, Type: "tcp" },
      { PrivatePort: 5002, Type: "tcp" },
      { PrivatePort: 53, Type: "udp" },
    ]),
    "53/udp, 5000-5002/tcp",
  );
  assert.equal(
    portsColumn([
      { IP: "0.0.0.0", PrivatePort: 9000, PublicPort: 9000, Type: "tcp" },
      { IP: "0.0.0.0", PrivatePort: 9001, PublicPort: 9001, Type: "tcp" },
    ]),
    "0.0.0.0:9000-9001->9000-9001/tcp",
  );
  assert.equal(portsColumn([]), "");
});
