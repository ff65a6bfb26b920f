/**
 * Finds and loads berth's native addon (build/Release/berth_native.node, built by node-gyp from the
 * root binding.gyp). The package root is found by walking up from this module's URL to the directory
 * holding both package.json and binding.gyp, so the same code works from out/src/native/ (tsc),
 * dist/ and dist/chunks/ (esbuild bundles).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface NativeBinding {
  mknod(path: string | Buffer, mode: number, major: number, minor: number): void;
  lsetxattr(path: string | Buffer, name: string, value: Buffer, flags?: number): void;
  lgetxattr(path: string | Buffer, name: string): Buffer | undefined;
  llistxattr(path: string | Buffer): string[];
  lremovexattr(path: string | Buffer, name: string): void;
  mount(source: string | Buffer, target: string | Buffer, fstype: string, flags: number, data: string): void;
  umount2(target: string | Buffer, flags: number): void;
}

/** The package root: the nearest ancestor of `from` holding package.json and binding.gyp. */
export function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "binding.gyp"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`berth native addon: no package root (package.json + binding.gyp) above ${from}`);
    dir = up;
  }
}

let cached: NativeBinding | undefined;
let root: string | undefined;

/** berth's package root (the directory with package.json and binding.gyp). */
export function packageRoot(): string {
  return (root ??= findPackageRoot(dirname(fileURLToPath(import.meta.url))));
}

/**
 * Loads the native addon at `file` with process.dlopen: the file is named already, so none of require()'s
 * module resolution runs (each step of it is path work at every daemon start).
 */
export function loadAddon<T>(file: string): T {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports as T;
}

/** Loads the addon once. Throws a clear error when it was not built (run `npm rebuild` or node-gyp). */
export function native(): NativeBinding {
  if (cached) return cached;
  const file = join(packageRoot(), "build", "Release", "berth_native.node");
  if (!existsSync(file)) {
    throw new Error(`berth native addon not built: ${file} is missing (run \`npm rebuild\` in ${packageRoot()})`);
  }
  cached = loadAddon<NativeBinding>(file);
  return cached;
}
