/** Version facts of the OCI runtime (`runc --version`), for /version's components. Read once. */
import type { VersionComponent } from "../api/types/index.js";

export interface RuntimeVersion {
  version: string;
  commit: string;
}

/** Parses `runc --version` / `crun --version` output. */
export function parseRuntimeVersion(text: string): RuntimeVersion {
  const version = /version\s+(\S+)/.exec(text)?.[1] ?? "";
  const commit = /^commit:\s*(\S+)/m.exec(text)?.[1] ?? "";
  return { version, commit };
}

export function runtimeVersion(binary: string): Promise<RuntimeVersion | undefined> {
  return new Promise((resolve) => {
    // Loaded here, not at start: an idle daemon that was never asked for /version stays smaller.
    process.getBuiltinModule("node:child_process").execFile(binary, ["--version"], { timeout: 5_000 }, (err, stdout) => {
      resolve(err ? undefined : parseRuntimeVersion(stdout));
    });
  });
}

/** A memoised docker `Components` entry for the runtime (absent when it cannot be run). */
export function runtimeComponent(name: string, binary: string): () => Promise<VersionComponent | undefined> {
  let cached: Promise<VersionComponent | undefined> | undefined;
  return () =>
    (cached ??= runtimeVersion(binary).then((v) => (v ? { Name: name, Version: v.version, Details: { GitCommit: v.commit } } : undefined)));
}
