/**
 * The client side of an attached container, shared by run, start -a and attach (docker's
 * hijackedIOStreamer, MonitorTtySize and ForwardAllSignals): hijack POST /containers/{id}/attach, pump
 * stdin (raw mode and the detach keys on a TTY) and stdout/stderr (raw for a TTY, else demultiplexed),
 * resize on SIGWINCH, forward signals with POST /containers/{id}/kill.
 */
import type { Socket } from "node:net";
import type { CliContext } from "../context.js";
import { DaemonError, parseHost, type EngineClient } from "../../client/engine-client.js";
import { hijack } from "../../client/hijack.js";
import { StdcopyDemuxer } from "../../client/stdcopy-demux.js";
import { DEFAULT_DETACH_KEYS, EscapeProxy, detachKeyBytes } from "./detach-keys.js";

export interface AttachRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys: string;
}

export type StreamEnd = "eof" | "detached";

export interface AttachedStream {
  /** Settles when the output ends ("eof"), the detach keys were typed ("detached"), or the connection failed. */
  readonly done: Promise<StreamEnd>;
  /** Stops pumping and drops the connection (idempotent). */
  close(): void;
}

/** Opens the hijacked attach connection (before start, as docker does); a refusal throws DaemonError. */
export async function openAttach(client: EngineClient, id: string, req: AttachRequest): Promise<{ socket: Socket; head: Buffer }> {
  const q = new URLSearchParams({ stream: "1", stdin: req.stdin ? "1" : "0", stdout: req.stdout ? "1" : "0", stderr: req.stderr ? "1" : "0" });
  if (req.detachKeys !== "") q.set("detachKeys", req.detachKeys);
  const path = `/v${await client.apiVersion()}/containers/${encodeURIComponent(id)}/attach?${q.toString()}`;
  try {
    const r = await hijack(parseHost(client.host), "POST", path);
    return { socket: r.socket, head: r.head };
  } catch (e) {
    // The docker client reports a refused upgrade by its status only.
    if (e instanceof DaemonError) throw new Error(`unable to upgrade to tcp, received ${e.statusCode}`);
    throw e;
  }
}

/** Pumps an attached connection. With `stdin`, the CLI's stdin goes to the container and its end half-closes. */
export function pumpStreams(ctx: CliContext, socket: Socket, head: Buffer, opts: { tty: boolean; stdin: boolean; detachKeys: string }): AttachedStream {
  const stdin = opts.stdin ? (ctx.stdin as NodeJS.ReadStream) : undefined;
  const raw = stdin !== undefined && opts.tty && stdin.isTTY === true;
  let keys: number[] = [];
  if (stdin !== undefined && opts.tty) {
    try {
      keys = detachKeyBytes(opts.detachKeys !== "" ? opts.detachKeys : DEFAULT_DETACH_KEYS);
    } catch {
      keys = detachKeyBytes(DEFAULT_DETACH_KEYS); // docker: "invalid detach escape keys, using default"
    }
  }
  let finished = false;
  let settle: (r: StreamEnd, err?: Error) => void = () => undefined;
  const done = new Promise<StreamEnd>((resolve, reject) => {
    settle = (r, err) => {
      if (finished) return;
      finished = true;
      cleanup();
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(r);
    };
  });
  const demux = opts.tty ? undefined : new StdcopyDemuxer({ stdout: (c) => ctx.stdout.write(c), stderr: (c) => ctx.stderr.write(c) });
  const onOut = (c: Buffer): void => {
    try {
      if (demux !== undefined) demux.push(c);
      else ctx.stdout.write(c);
    } catch (e) {
      settle("eof", e as Error);
    }
  };
  const proxy = new EscapeProxy(keys);
  const onIn = (c: Buffer): void => {
    if (socket.destroyed || socket.writableEnded) return;
    if (keys.length === 0) {
      socket.write(c);
      return;
    }
    const { forward, detached } = proxy.feed(c);
    if (forward.length > 0) socket.write(forward);
    if (detached) settle("detached");
  };
  const onInEnd = (): void => {
    if (!socket.destroyed && !socket.writableEnded) socket.end();
  };
  const onOutErr = (name: string) => (e: NodeJS.ErrnoException): void =>
    settle("eof", new Error(e.code === "EPIPE" ? `write /dev/${name}: broken pipe` : e.message));
  const onStdoutErr = onOutErr("stdout");
  const onStderrErr = onOutErr("stderr");
  ctx.stdout.on("error", onStdoutErr);
  ctx.stderr.on("error", onStderrErr);
  const cleanup = (): void => {
    // Keep a listener: a late EPIPE must not crash the CLI after the stream ended.
    ctx.stdout.off("error", onStdoutErr);
    ctx.stderr.off("error", onStderrErr);
    ctx.stdout.on("error", () => undefined);
    ctx.stderr.on("error", () => undefined);
    if (stdin === undefined) return;
    stdin.off("data", onIn);
    stdin.off("end", onInEnd);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    if (stdin.isTTY !== true) stdin.destroy();
  };
  if (head.length > 0) onOut(head);
  socket.on("data", onOut);
  socket.on("end", () => settle("eof"));
  socket.on("close", () => settle("eof"));
  socket.on("error", (e) => settle("eof", e));
  socket.resume();
  if (stdin !== undefined) {
    if (raw) setRaw(stdin);
    stdin.on("data", onIn);
    stdin.on("end", onInEnd);
    stdin.resume();
  }
  return { done, close: () => settle("eof") };
}

/**
 * Raw mode as docker's term.MakeRaw: libuv's raw mode keeps output post-processing (ONLCR), which would
 * turn the container's "\r\n" into "\r\r\n", so OPOST is cleared too. setRawMode(false) restores both.
 */
function setRaw(stdin: NodeJS.ReadStream): void {
  stdin.setRawMode(true);
  // child_process only here (a TTY run): loading it costs every other run a few milliseconds
  process.getBuiltinModule("node:child_process").spawnSync("stty", ["-opost"], { stdio: ["inherit", "ignore", "ignore"] });
}

/** docker's MonitorTtySize: resize now and on every SIGWINCH. Returns the function that stops it. */
export function monitorTtySize(ctx: CliContext, client: EngineClient, id: string, forceRedraw = false): () => void {
  const out = ctx.stdout as NodeJS.WriteStream;
  let chain: Promise<void> = Promise.resolve();
  const resizeTo = (h: number, w: number): void => {
    if (h === 0 && w === 0) return;
    chain = chain.then(() =>
      client.request("POST", `/containers/${encodeURIComponent(id)}/resize`, { query: { h, w } }).then(
        (r) => void r.resume(),
        () => undefined,
      ),
    );
  };
  const resize = (): void => resizeTo(out.rows ?? 0, out.columns ?? 0);
  // attach: a size change makes the shell redraw its prompt (docker resizes to h+1, w+1 first).
  if (forceRedraw) resizeTo((out.rows ?? 0) + 1, (out.columns ?? 0) + 1);
  resize();
  out.on("resize", resize);
  return () => out.off("resize", resize);
}

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** docker's ForwardAllSignals: signals the CLI receives go to the container. Returns the function that stops it. */
export function forwardSignals(client: EngineClient, id: string): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    client.request("POST", `/containers/${encodeURIComponent(id)}/kill`, { query: { signal: sig } }).then(
      (r) => r.resume(),
      () => undefined,
    );
  };
  for (const s of FORWARDED) process.on(s, handler);
  return () => {
    for (const s of FORWARDED) process.off(s, handler);
  };
}

/** The terminal size docker sends as HostConfig.ConsoleSize ([height, width], zeros when not a TTY). */
export function consoleSize(ctx: CliContext): [number, number] {
  const out = ctx.stdout as { isTTY?: boolean; rows?: number; columns?: number };
  return out.isTTY === true ? [out.rows ?? 0, out.columns ?? 0] : [0, 0];
}

export interface PendingWait {
  /** The exit status (125 with `error` when the daemon reported a failure). */
  result: Promise<{ status: number; error?: string }>;
  /** Drops the wait (so a detached CLI can exit). */
  cancel(): void;
}

/** POST /containers/{id}/wait?condition=…: resolves once the daemon has registered the wait. */
export async function waitContainer(client: EngineClient, id: string, condition: "next-exit" | "removed" | "not-running"): Promise<PendingWait> {
  const res = await client.early("POST", `/containers/${encodeURIComponent(id)}/wait`, { query: { condition } });
  const result = (async (): Promise<{ status: number; error?: string }> => {
    try {
      const j = JSON.parse((await res.body).toString("utf8")) as { StatusCode?: number; Error?: { Message?: string } | null };
      if (j.Error?.Message !== undefined && j.Error.Message !== "") return { status: 125, error: j.Error.Message };
      return { status: j.StatusCode ?? 0 };
    } catch (e) {
      return { status: 125, error: (e as Error).message };
    }
  })();
  return { result, cancel: () => res.cancel() };
}

/** docker's waitExitOrRemoved: next-exit, or removed for an --rm container. */
export function waitExitOrRemoved(client: EngineClient, id: string, autoRemove: boolean): Promise<PendingWait> {
  return waitContainer(client, id, autoRemove ? "removed" : "next-exit");
}
