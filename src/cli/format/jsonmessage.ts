/**
 * Displays docker's JSON-message stream (pull, push, load, import, build) exactly as the docker CLI's
 * jsonmessage.DisplayJSONMessagesStream does:
 * - on a terminal, a message with an id and progress owns one line, rewritten in place (cursor up,
 *   erase line, text, "\r", cursor down); the progress bar is drawn from progressDetail;
 * - off a terminal, messages whose progressDetail renders to something are skipped, the others are
 *   printed once each;
 * - any message without id+progress starts a new block (earlier lines are no longer updated);
 * - `aux` messages go to the callback and are never printed; an errorDetail ends the display with
 *   JSONMessageError (the caller prints its message and exits 1).
 * Each message is written with one write() call.
 */
import type { JSONMessage } from "../../api/types/index.js";

export class JSONMessageError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = "JSONMessageError";
  }
}

export interface Out {
  write(s: string): unknown;
}

/** docker's JSONProgress, as it arrives in progressDetail. */
export interface ProgressDetail {
  current?: number;
  total?: number;
  start?: number;
  hidecounts?: boolean;
  units?: string;
}

/** A JSONMessage with the fields docker's display also reads. */
export interface DisplayMessage extends JSONMessage {
  progressDetail?: ProgressDetail;
  from?: string;
  time?: number;
  timeNano?: number;
}

export interface DisplayOptions {
  /** Terminal width (docker reads it from the terminal; 200 when it cannot). Default: `out.columns` on a TTY. */
  width?: number;
  /** Receives every message with `aux` (such messages are never printed). */
  auxCallback?: (m: DisplayMessage) => void;
  /** Clock in ms, for the time-left estimate. */
  now?: () => number;
}

const ESC = "\x1b[";
const up = (n: number): string => (n === 0 ? "" : `${ESC}${n}A`);
const down = (n: number): string => (n === 0 ? "" : `${ESC}${n}B`);
const CLEAR_LINE = `${ESC}2K`;

export async function displayJSONMessages(messages: AsyncIterable<DisplayMessage>, out: Out, isTTY: boolean, opts: DisplayOptions = {}): Promise<void> {
  const width = opts.width ?? (isTTY ? ((out as { columns?: number }).columns ?? 200) : 200);
  const now = opts.now ?? Date.now;
  let ids = new Map<string, number>();
  for await (const m of messages) {
    if (m.aux !== undefined && m.aux !== null) {
      opts.auxCallback?.(m);
      continue;
    }
    let s = "";
    let diff = 0;
    const id = m.id ?? "";
    const hasProgress = m.progressDetail !== undefined && m.progressDetail !== null;
    if (id !== "" && (hasProgress || (m.progress ?? "") !== "")) {
      let line = ids.get(id);
      if (line === undefined) {
        line = ids.size;
        ids.set(id, line);
        if (isTTY) s += "\n";
      }
      diff = ids.size - line;
      if (isTTY) s += up(diff);
    } else {
      ids = new Map();
    }
    const err = m.errorDetail !== undefined && m.errorDetail !== null ? m.errorDetail : undefined;
    if (err === undefined) s += renderMessage(m, isTTY, width, now);
    if (id !== "" && isTTY) s += down(diff);
    if (s !== "") out.write(s);
    if (err !== undefined) throw new JSONMessageError(err.message ?? "", err.code);
  }
}

/** JSONMessage.Display without the error case: the text docker prints for one message. */
export function renderMessage(m: DisplayMessage, isTTY: boolean, width = 200, now: () => number = Date.now): string {
  const stream = m.stream ?? "";
  const pd = m.progressDetail !== undefined && m.progressDetail !== null ? m.progressDetail : undefined;
  let s = "";
  let endl = "";
  if (isTTY && stream === "" && pd !== undefined) {
    s += `${CLEAR_LINE}\r`;
    endl = "\r";
  } else if (pd !== undefined && progressString(pd, width, now) !== "") {
    return "";
  }
  if ((m.timeNano ?? 0) !== 0) s += `${formatTime(Math.floor((m.timeNano ?? 0) / 1e6), (m.timeNano ?? 0) % 1e9)} `;
  else if ((m.time ?? 0) !== 0) s += `${formatTime((m.time ?? 0) * 1000, 0)} `;
  if ((m.id ?? "") !== "") s += `${m.id}: `;
  if ((m.from ?? "") !== "") s += `(from ${m.from}) `;
  const status = m.status ?? "";
  if (pd !== undefined && isTTY) s += `${status} ${progressString(pd, width, now)}${endl}`;
  else if ((m.progress ?? "") !== "") s += `${status} ${m.progress}${endl}`;
  else if (stream !== "") s += `${stream}${endl}`;
  else s += `${status}${endl}\n`;
  return s;
}

/** JSONProgress.String(): "[=====>      ]  1.2MB/3.4MB 5s" (bar only when width > 110). */
export function progressString(p: ProgressDetail, width = 200, now: () => number = Date.now): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  const unitsName = p.units ?? "";
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return unitsName === "" ? humanSize(current).padStart(8) : `${current} ${unitsName}`;
  let percentage = Math.trunc(Math.trunc((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = "";
  if (width > 110) bar = `[${"=".repeat(Math.max(0, percentage))}>${" ".repeat(Math.max(0, 50 - percentage))}] `;
  let numbers = "";
  if (p.hidecounts === true) numbers = "";
  else if (unitsName === "") numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  else numbers = current > total ? `${current} ${unitsName}` : `${current}/${total} ${unitsName}`;
  let left = "";
  const start = p.start ?? 0;
  if (width > 50 && current > 0 && start > 0 && percentage < 50) {
    const fromStartNs = now() * 1e6 - start * 1e9;
    const perEntry = Math.trunc(fromStartNs / current);
    left = ` ${goDuration((total - current) * perEntry)}`;
  }
  return bar + numbers + left;
}

const SIZE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** go-units HumanSize: decimal units, 4 significant digits ("1.2MB", "999kB", "0B"). */
export function humanSize(n: number): string {
  let size = n;
  let i = 0;
  while (size >= 1000 && i < SIZE_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${goG4(size)}${SIZE_UNITS[i]}`;
}

/** Go's %.4g for the values humanSize produces. */
function goG4(x: number): string {
  if (x === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(4)))));
  if (exp < -4 || exp >= 4) {
    const [mant = "", e = "0"] = x.toExponential(3).split("e");
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const en = Number(e);
    return `${m}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
  }
  const t = x.toPrecision(4);
  return t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t;
}

/** Go's time.Duration(ns).Round(time.Second).String() for whole seconds. */
export function goDuration(ns: number): string {
  const neg = ns < 0;
  let secs = Math.round(Math.abs(ns) / 1e9);
  if (secs === 0) return "0s";
  const h = Math.floor(secs / 3600);
  secs -= h * 3600;
  const m = Math.floor(secs / 60);
  secs -= m * 60;
  const body = h > 0 ? `${h}h${m}m${secs}s` : m > 0 ? `${m}m${secs}s` : `${secs}s`;
  return neg ? `-${body}` : body;
}

/** RFC3339NanoFixed in local time: 2006-01-02T15:04:05.000000000Z07:00. */
function formatTime(ms: number, nanos: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const zone = off === 0 ? "Z" : `${off < 0 ? "-" : "+"}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(nanos, 9)}${zone}`;
}

/** One line as "id: status progress" (kept for callers that print a single message). */
export function formatLine(m: JSONMessage): string {
  let s = "";
  if (m.id !== undefined && m.id !== "") s += `${m.id}: `;
  s += m.status ?? "";
  if (m.progress !== undefined && m.progress !== "") s += ` ${m.progress}`;
  return s;
}
