import { isoTime } from "./iso-time.js";
/**
 * A small leveled logger writing logfmt lines like dockerd (`time=… level=… msg=…`) to stderr.
 * One root logger; subsystems take children with `child({ module: "images" })`.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export function isLogLevel(s: string): s is LogLevel {
  return s in order;
}

function fmtValue(v: unknown): string {
  if (v instanceof Error) v = v.message;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[\s"=]/.test(s ?? "") ? JSON.stringify(s) : (s ?? "");
}

export class Logger {
  constructor(
    private readonly state: { level: LogLevel; write: (line: string) => void },
    private readonly fields: Record<string, unknown> = {},
  ) {}

  static create(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
    return new Logger({ level, write });
  }

  setLevel(level: LogLevel): void {
    this.state.level = level;
  }

  child(fields: Record<string, unknown>): Logger {
    return new Logger(this.state, { ...this.fields, ...fields });
  }

  private log(level: LogLevel, msg: string, extra?: Record<string, unknown>): void {
    if (order[level] < order[this.state.level]) return;
    const all = { ...this.fields, ...extra };
    let line = `time="${isoTime()}" level=${level} msg=${fmtValue(msg)}`;
    for (const [k, v] of Object.entries(all)) if (v !== undefined) line += ` ${k}=${fmtValue(v)}`;
    this.state.write(line + "\n");
  }

  debug(msg: string, extra?: Record<string, unknown>): void {
    this.log("debug", msg, extra);
  }
  info(msg: string, extra?: Record<string, unknown>): void {
    this.log("info", msg, extra);
  }
  warn(msg: string, extra?: Record<string, unknown>): void {
    this.log("warn", msg, extra);
  }
  error(msg: string, extra?: Record<string, unknown>): void {
    this.log("error", msg, extra);
  }
}

/** A logger that drops everything (unit tests). */
export const nullLogger = Logger.create("fatal", () => undefined);
