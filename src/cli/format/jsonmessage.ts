/**
 * Displays docker's JSON-message progress stream (load, import, pull): `stream` raw, status lines as
 * "id: status progress"; on a TTY, lines with an id update in place. An errorDetail ends the display
 * with an error (the caller prints it and exits 1).
 */
import type { JSONMessage } from "../../api/types/index.js";

export class JSONMessageError extends Error {}

export interface Out {
  write(s: string): unknown;
}

export async function displayJSONMessages(messages: AsyncIterable<JSONMessage>, out: Out, isTTY: boolean): Promise<void> {
  const ids = new Map<string, number>(); // id -> line index (TTY)
  let lines = 0;
  for await (const m of messages) {
    if (m.errorDetail !== undefined || m.error !== undefined) {
      throw new JSONMessageError(m.errorDetail?.message ?? m.error ?? "unknown error");
    }
    if (m.stream !== undefined) {
      out.write(m.stream);
      if (isTTY) lines += (m.stream.match(/\n/g) ?? []).length;
      continue;
    }
    if (m.status === undefined && m.progress === undefined) continue;
    const text = formatLine(m);
    if (isTTY && m.id !== undefined && m.id !== "") {
      const at = ids.get(m.id);
      if (at === undefined) {
        ids.set(m.id, lines);
        out.write(`${text}\n`);
        lines++;
      } else {
        const up = lines - at;
        out.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
      }
    } else {
      out.write(`${text}\n`);
      lines++;
    }
  }
}

export function formatLine(m: JSONMessage): string {
  let s = "";
  if (m.id !== undefined && m.id !== "") s += `${m.id}: `;
  s += m.status ?? "";
  if (m.progress !== undefined && m.progress !== "") s += ` ${m.progress}`;
  return s;
}
