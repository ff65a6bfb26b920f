/**
 * docker's transfer progress messages (pull and push), as dockerd 20.10's streamformatter writes them:
 *   status lines   {"status":"Pulling from library/busybox","id":"latest"}
 *   layer updates  {"status":"Pulling fs layer","progressDetail":{},"id":"e5d9363303dd"}
 *   byte progress  {"status":"Downloading","progressDetail":{"current":1,"total":2},"progress":"[=> ] 1B/2B","id":"…"}
 * Byte progress is throttled per layer (at most one message every `throttleMs`), the last one always goes out.
 */
import type { JSONMessage } from "../api/types/index.js";

export type ProgressFn = (msg: JSONMessage) => void;

const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** go-units HumanSize: decimal units, 4 significant digits ("1.235MB", "773kB", "12B"). */
export function humanSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${String(Number(size.toPrecision(4)))}${units[i] ?? "B"}`;
}

/** jsonmessage.JSONProgress.String() for a 200-column (non-terminal) writer: "[===>   ]  1.2MB/3.4MB". */
export function progressBar(current: number, total: number): string {
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const box = `[${"=".repeat(pct)}>${" ".repeat(Math.max(0, 50 - pct))}] `;
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return box + numbers;
}

/** The short id docker shows for a layer: 12 hex characters of a digest. */
export function shortLayerId(digest: string): string {
  const i = digest.indexOf(":");
  return digest.slice(i + 1, i + 13);
}

export class TransferProgress {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly out: ProgressFn,
    private readonly throttleMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  /** A status line ("Digest: …"), with an id when given ("latest: Pulling from …"). */
  message(status: string, id?: string): void {
    this.out(id === undefined ? { status } : { status, id });
  }

  /** A layer state change without byte counts ("Pulling fs layer", "Pushed"). */
  update(id: string, status: string): void {
    this.last.delete(id);
    this.out({ status, progressDetail: {}, id });
  }

  /** Byte progress; throttled unless `force` (or the transfer is complete). */
  bytes(id: string, status: string, current: number, total: number, force = false): void {
    const t = this.now();
    const prev = this.last.get(id);
    if (!force && current < total && prev !== undefined && t - prev < this.throttleMs) return;
    this.last.set(id, t);
    // dockerd's field order: status, progressDetail, progress, id.
    const bar = progressBar(current, total);
    this.out(bar === "" ? { status, progressDetail: { current, total }, id } : { status, progressDetail: { current, total }, progress: bar, id });
  }

  /** docker's aux message (push result). */
  aux(value: unknown): void {
    this.out({ progressDetail: {}, aux: value });
  }
}
