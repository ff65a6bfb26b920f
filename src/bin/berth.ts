import { main } from "../cli/main.js";

// `berth registry …` runs berth's registry server: loaded only for that command.
const run: Promise<number> =
  process.argv[2] === "registry"
    ? import("../registry/server/main.js").then((m) => m.registryMain(process.argv.slice(3)))
    : main(process.argv.slice(2), import.meta.url);

run.then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
