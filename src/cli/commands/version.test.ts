import assert from "node:assert/strict";
import { test } from "node:test";
import { Template } from "../format/template.js";
import { renderDefault, TEMPLATE } from "./version.js";

const client = { Version: "0.1.0", ApiVersion: "1.44", NodeVersion: "v20.20.2", GitCommit: "abc", Os: "linux", Arch: "amd64", Context: "default" };
const server = {
  Platform: { Name: "berth" },
  Components: [
    { Name: "Engine", Version: "0.1.0", Details: { ApiVersion: "1.44", MinAPIVersion: "1.24", GoVersion: "node v20", GitCommit: "def", BuildTime: "Sat Nov 28 18:00:00 2026", Os: "linux", Arch: "amd64", Experimental: "false" } },
    { Name: "runc", Version: "1.1.5", Details: { GitCommit: "1.1.5-1", Zeta: "z", Alpha: "a" } },
    { Name: "crun", Version: "1.8.1" },
  ],
} as unknown as Parameters<typeof renderDefault>[0]["Server"];

test("the written-out version layout equals the template's output", () => {
  for (const data of [{ Client: client, Server: server }, { Client: client, Server: null }]) {
    assert.equal(renderDefault(data), Template.parse(TEMPLATE).execute(data));
  }
});
