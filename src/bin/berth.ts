import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { main } from "../cli/main.js";

type RegistryMain = (argv: string[]) => Promise<number>;

/**
 * `berth registry …` runs berth's registry server. The bundle keeps it in a file of its own
 * (dist/berth-registry.cjs, next to dist/berth.cjs) so that no other command even parses it; run from
 * tsc's out/ it is the module itself.
 */
async function registryMain(argv: string[]): Promise<number> {
  const bundled = fileURLToPath(new URL("./berth-registry.cjs", import.meta.url));
  if (existsSync(bundled)) return (createRequire(import.meta.url)(bundled) as { registryMain: RegistryMain }).registryMain(argv);
  const m = (await import("../registry/server/main.js")) as { registryMain: RegistryMain };
  return m.registryMain(argv);
}

const run: Promise<number> = process.argv[2] === "registry" ? registryMain(process.argv.slice(3)) : main(process.argv.slice(2), import.meta.url);

run.then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
