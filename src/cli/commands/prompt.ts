/** docker's "Are you sure you want to continue? [y/N]" prompt, reading one line from stdin. */
import type { CliContext } from "../context.js";

export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let buf = "";
    const onData = (c: Buffer): void => {
      buf += c.toString("utf8");
      if (buf.includes("\n")) done();
    };
    const done = (): void => {
      ctx.stdin.off("data", onData);
      ctx.stdin.off("end", done);
      ctx.stdin.pause();
      resolve(buf.split("\n")[0] ?? "");
    };
    ctx.stdin.on("data", onData);
    ctx.stdin.on("end", done);
  });
  return /^y(es)?$/i.test(line.trim());
}
