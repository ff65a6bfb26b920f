/**
 * The Dockerfile excerpt BuildKit prints above a build error:
 *
 *   Dockerfile:3
 *   --------------------
 *      1 |     FROM busybox
 *      2 |     RUN true
 *      3 | >>> FOO bar
 *   --------------------
 *
 * Up to 4 lines of context around a one-line range, 2 around a longer one.
 */
export function formatSourceSnippet(text: string, startLine: number, endLine: number, filename = "Dockerfile"): string {
  const lines = text.split("\n");
  const first = startLine;
  const last = Math.max(startLine, endLine);
  if (first < 1 || first > lines.length) return "";
  let start = first;
  let end = Math.min(last, lines.length);
  const pad = end === start ? 4 : 2;
  for (let p = 0; p < pad; ) {
    if (start > 1) {
      start--;
      p++;
    }
    if (end !== lines.length) {
      end++;
      p++;
    }
    p++;
  }
  const rule = "--------------------";
  let out = `${filename}:${first}\n${rule}\n`;
  for (let i = start; i <= end; i++) {
    const marker = i >= first && i <= last ? ">>>" : "   ";
    out += ` ${String(i).padStart(3)} | ${marker} ${lines[i - 1] ?? ""}\n`;
  }
  return out + rule + "\n";
}
