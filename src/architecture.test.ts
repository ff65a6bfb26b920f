// Checks the import ranks of ARCHITECTURE.md by machine: every import between subsystems goes downward.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// Tests run from out/src; the sources are in <repo>/src.
const srcRoot = path.resolve(here, "..", "..", "src");

const rank: Record<string, number> = {
  // Within rank 0: errdefs below util/oci/native, and those below api/types.
  errdefs: 0, util: 0.1, oci: 0.1, native: 0.1, "api/types": 0.2,
  state: 1, content: 1, mount: 1, archive: 1, events: 1,
  dockerfile: 2, snapshots: 2, "registry/client": 2, volumes: 2, network: 2,
  images: 3, runtime: 3,
  containers: 4,
  builder: 5,
};
// Edges and programs: what they may import besides rank-0 modules.
const special: Record<string, (to: string) => boolean> = {
  api: (to) => (rank[to] ?? 99) < 1,
  "registry/server": (to) => ["content", "state", "oci", "archive"].includes(to) || (rank[to] ?? 99) < 1,
  client: (to) => (rank[to] ?? 99) < 1,
  // the CLI may use the tar codec (cp renames entries in a stream), never daemon internals
  cli: (to) => to === "client" || to === "archive" || (rank[to] ?? 99) < 1,
  daemon: (to) => to !== "cli" && to !== "bin",
  bin: (to) => to === "daemon" || to === "cli" || to === "registry/server" || (rank[to] ?? 99) < 1,
};

function subsystemOf(rel: string): string {
  const parts = rel.split(path.sep);
  const two = parts.slice(0, 2).join("/");
  if (two in rank || two in special) return two;
  return parts[0] ?? "";
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.endsWith(".d.ts")) yield p;
  }
}

test("imports between subsystems only go downward", () => {
  const violations: string[] = [];
  const importRe = /(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g;
  for (const file of walk(srcRoot)) {
    const relFile = path.relative(srcRoot, file);
    if (!relFile.includes(path.sep)) continue; // top-level files (this test) are exempt
    const from = subsystemOf(relFile);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(importRe)) {
      const target = path.relative(srcRoot, path.resolve(path.dirname(file), m[1] ?? ""));
      if (target.startsWith("..")) continue;
      const to = subsystemOf(target);
      if (to === from) continue;
      const ok = special[from]
        ? special[from](to)
        : (rank[from] ?? -1) > (rank[to] ?? 99);
      if (!ok) violations.push(`${relFile} (${from}) imports ${target} (${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("the checker sees the source tree", () => {
  assert.ok([...walk(srcRoot)].length > 10);
});
