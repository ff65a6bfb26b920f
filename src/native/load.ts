/**
 * Finds and loads berth's native addon (build/Release/berth_native.node, built by node-gyp from the
 * root binding.gyp). The package root is found by walking up from this module's URL to the directory
 * holding both package.json and binding.gyp, so the same code works from out/src/native/ (tsc),
 * dist/ and dist/chunks/ (esbuild bundles).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
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

/** Loads the addon once. Throws a clear error when it was not built (run `npm rebuild` or node-gyp). */
export function native(): NativeBinding {
  if (cached) return cached;
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  const file = join(root, "build", "Release", "berth_native.node");
  if (!existsSync(file)) {
    throw new Error(`berth native addon not built: ${file} is missing (run \`npm rebuild\` in ${root})`);
  }
  cached = createRequire(import.meta.url)(file) as NativeBinding;
  return cached;
}
