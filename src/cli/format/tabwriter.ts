/** Go's text/tabwriter (space padding, no flags), as docker's table output uses it: minwidth 10, tabwidth 1, padding 3. */
export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, padding: 3 };

export function tabwrite(text: string, opts: TabwriterOptions = DOCKER_TABWRITER): string {
  const trailingNewline = text.endsWith("\n");
  const lines = (trailingNewline ? text.slice(0, -1) : text).split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  let out = "";
  const width = (s: string): number => [...s].length;

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i] as string[];
      cells.forEach((c, j) => {
        if (j < cells.length - 1 && j < widths.length) out += c + " ".repeat(Math.max(0, (widths[j] as number) - width(c)));
        else out += c;
      });
      if (i < lines.length - 1 || trailingNewline) out += "\n";
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= (lines[t] as string[]).length - 1) continue;
      writeLines(line0, t);
      line0 = t;
      let w = opts.minwidth;
      for (; t < line1; t++) {
        const cells = lines[t] as string[];
        if (column >= cells.length - 1) break;
        const cw = width(cells[column] as string) + opts.padding;
        if (cw > w) w = cw;
      }
      widths.push(w);
      format(line0, t);
      widths.pop();
      line0 = t;
      t--; // the outer loop's t++ revisits line t
    }
    writeLines(line0, line1);
  };
  // Guard: format()'s writeLines at the end covers the rest; avoid double output via a single top call.
  format(0, lines.length);
  return out;
}
