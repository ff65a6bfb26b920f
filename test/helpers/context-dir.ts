/** A build context directory under `parent` holding `files` (paths may have directories), removed after the test. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export function contextDir(t: { after(fn: () => void): void }, parent: string, files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(parent, "ctx-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}
