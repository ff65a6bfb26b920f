/**
 * /containers/...: create, list, inspect, start, stop, restart, kill, remove, wait, attach (hijacked),
 * resize, logs, top, pause, unpause, rename, update, prune. Streams without a TTY are framed with
 * docker's 8-byte headers (stdcopy-stream.ts); with a TTY they are raw.
 */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { InvalidArgumentError, NotImplementedError, messageOf } from "../../errdefs/index.js";
import type { Backend, ContainersBackend, StreamSession } from "../backend.js";
import { httpStatusOf } from "../errors.js";
import { parseFilters } from "../filters.js";
import { boolParam, boolParamOr, readJsonBody, sendJson, sendNoContent } from "../http-util.js";
import type { ApiRequest, Router } from "../router.js";
import type { ContainerCreateRequest, HostConfig } from "../types/containers.js";
import { versionAtLeast } from "../version.js";
import { frameChunk } from "../stdcopy-stream.js";

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** since/until: unix seconds with optional fraction ("1700000000.123456789"). */
function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "" || v === "0") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

export function streamContentType(req: ApiRequest, tty: boolean): string {
  return !tty && versionAtLeast(req.ctx.apiVersion, "1.42") ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream";
}

/** Answers an error on a connection that asked to upgrade (before any 101 went out). */
export function rawError(socket: Duplex, err: unknown): void {
  const status = httpStatusOf(err);
  const body = JSON.stringify({ message: messageOf(err) }) + "\n";
  socket.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** On a hijacked request node leaves the body in `head`/the socket: reads Content-Length bytes, returns the rest. */
export async function readUpgradeBody(req: ApiRequest, socket: Duplex, head: Buffer): Promise<{ text: string; rest: Buffer }> {
  const len = Number(req.raw.headers["content-length"] ?? 0);
  if (!Number.isFinite(len) || len <= 0) return { text: "", rest: head };
  if (len > 1 << 20) throw new InvalidArgumentError("request body too large");
  let buf = head;
  while (buf.length < len) {
    const chunk = await new Promise<Buffer | undefined>((resolve) => {
      const onData = (c: Buffer): void => {
        socket.pause();
        cleanup();
        resolve(c);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(undefined);
      };
      const cleanup = (): void => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onEnd);
      };
      socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("close", onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  return { text: buf.subarray(0, len).toString("utf8"), rest: buf.subarray(len) };
}

/** Runs a prepared session over a hijacked socket: 101, then output (framed unless TTY); stdin from the socket. */
export async function runHijacked(req: ApiRequest, socket: Duplex, head: Buffer, session: StreamSession, wantStdin: boolean): Promise<void> {
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${streamContentType(req, session.tty)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  const ac = new AbortController();
  socket.on("close", () => ac.abort());
  socket.on("error", () => ac.abort());
  const output = (stream: 1 | 2, chunk: Buffer): void => {
    if (!socket.writable) return;
    socket.write(session.tty ? chunk : frameChunk(stream, chunk));
  };
  try {
    await session.run({ stdin: wantStdin ? (socket as unknown as import("node:stream").Readable) : null, output, signal: ac.signal });
  } finally {
    if (socket.writable) socket.end();
  }
}

/** The same over a plain response (clients that do not ask to upgrade). */
export async function runPlain(req: ApiRequest, res: ServerResponse, session: StreamSession): Promise<void> {
  res.writeHead(200, { "Content-Type": streamContentType(req, session.tty) });
  res.flushHeaders();
  const ac = new AbortController();
  res.on("close", () => ac.abort());
  await session.run({
    stdin: null,
    output: (stream, chunk) => {
      res.write(session.tty ? chunk : frameChunk(stream, chunk));
    },
    signal: ac.signal,
  });
  res.end();
}

function attachOpts(q: URLSearchParams): { stream: boolean; logs: boolean; stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string } {
  const o: { stream: boolean; logs: boolean; stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string } = {
    stream: boolParam(q, "stream"),
    logs: boolParam(q, "logs"),
    stdin: boolParam(q, "stdin"),
    stdout: boolParam(q, "stdout"),
    stderr: boolParam(q, "stderr"),
  };
  const k = q.get("detachKeys");
  if (k) o.detachKeys = k;
  return o;
}

export function registerContainerRoutes(r: Router, backend: Backend): void {
  const c = backend.containers;
  if (!c) return;
  const cs: ContainersBackend = c;
  const id = "([^/]+)";

  r.post("/containers/create", async (req, res) => {
    const body = (await readJsonBody(req.raw, 8 << 20)) as ContainerCreateRequest | undefined;
    if (body === undefined || typeof body !== "object" || Array.isArray(body)) throw new InvalidArgumentError("config cannot be empty in order to create a container");
    const opts: { name?: string; platform?: string } = {};
    const name = req.query.get("name");
    const platform = req.query.get("platform");
    if (name) opts.name = name;
    if (platform) opts.platform = platform;
    sendJson(res, 201, await cs.create(body, opts, req.ctx));
  });
  r.get("/containers/json", async (req, res) => {
    const q = req.query;
    const limit = intParam(q, "limit");
    sendJson(res, 200, await cs.list({ all: boolParam(q, "all"), ...(limit !== undefined ? { limit } : {}), size: boolParam(q, "size"), filters: parseFilters(q.get("filters")) }, req.ctx));
  });
  r.post("/containers/prune", async (req, res) => {
    sendJson(res, 200, await cs.prune({ filters: parseFilters(req.query.get("filters")) }, req.ctx));
  });
  r.get(`/containers/${id}/json`, async (req, res) => {
    sendJson(res, 200, await cs.inspect(req.params[0] ?? "", { size: boolParam(req.query, "size") }, req.ctx));
  });
  r.post(`/containers/${id}/start`, async (req, res) => {
    await cs.start(req.params[0] ?? "", req.ctx);
    sendNoContent(res);
  });
  const stopOpts = (q: URLSearchParams): { signal?: string; timeout?: number } => {
    const o: { signal?: string; timeout?: number } = {};
    const t = intParam(q, "t");
    const s = q.get("signal");
    if (t !== undefined) o.timeout = t;
    if (s) o.signal = s;
    return o;
  };
  r.post(`/containers/${id}/stop`, async (req, res) => {
    await cs.stop(req.params[0] ?? "", stopOpts(req.query), req.ctx);
    sendNoContent(res);
  });
  r.post(`/containers/${id}/restart`, async (req, res) => {
    await cs.restart(req.params[0] ?? "", stopOpts(req.query), req.ctx);
    sendNoContent(res);
  });
  r.post(`/containers/${id}/kill`, async (req, res) => {
    const s = req.query.get("signal");
    await cs.kill(req.params[0] ?? "", s ? { signal: s } : {}, req.ctx);
    sendNoContent(res);
  });
  r.delete(`/containers/${id}`, async (req, res) => {
    const q = req.query;
    await cs.remove(req.params[0] ?? "", { force: boolParam(q, "force"), volumes: boolParam(q, "v"), link: boolParam(q, "link") }, req.ctx);
    sendNoContent(res);
  });
  r.post(`/containers/${id}/wait`, async (req, res) => {
    const cond = req.query.get("condition") || "not-running";
    if (!["not-running", "next-exit", "removed"].includes(cond)) throw new InvalidArgumentError(`invalid condition: "${cond}"`);
    const { result } = await cs.wait(req.params[0] ?? "", { condition: cond as "not-running" | "next-exit" | "removed" }, req.ctx);
    // Headers first, as docker does: `run` waits before it starts the container.
    res.writeHead(200, { "Content-Type": "application/json" });
    res.flushHeaders();
    try {
      res.end(JSON.stringify(await result) + "\n");
    } catch (e) {
      res.end(JSON.stringify({ StatusCode: -1, Error: { Message: messageOf(e) } }) + "\n");
    }
  });
  r.post(
    `/containers/${id}/attach`,
    async (req, res) => {
      const session = await cs.prepareAttach(req.params[0] ?? "", attachOpts(req.query), req.ctx);
      await runPlain(req, res, session);
    },
    async (req, socket, head) => {
      const o = attachOpts(req.query);
      let session: StreamSession;
      let rest: Buffer;
      try {
        // a body (dockerode sends its options as JSON, with a Content-Length) is not the container's stdin
        rest = (await readUpgradeBody(req, socket, head)).rest;
        session = await cs.prepareAttach(req.params[0] ?? "", o, req.ctx);
      } catch (e) {
        rawError(socket, e);
        return;
      }
      await runHijacked(req, socket, rest, session, o.stdin);
    },
  );
  r.get(`/containers/${id}/attach/ws`, async () => {
    throw new NotImplementedError("attach over websocket is not implemented");
  });
  r.post(`/containers/${id}/resize`, async (req, res) => {
    await cs.resize(req.params[0] ?? "", { h: intParam(req.query, "h") ?? 0, w: intParam(req.query, "w") ?? 0 }, req.ctx);
    sendJson(res, 200, "");
  });
  r.get(`/containers/${id}/logs`, async (req, res) => {
    const q = req.query;
    const tailRaw = q.get("tail");
    const tail = tailRaw === null || tailRaw === "" || tailRaw === "all" ? undefined : Number(tailRaw);
    if (tail !== undefined && !Number.isInteger(tail)) throw new InvalidArgumentError(`invalid value for tail: ${JSON.stringify(tailRaw)}`);
    const since = timeParam(q, "since");
    const until = timeParam(q, "until");
    const { tty, chunks } = await cs.logs(
      req.params[0] ?? "",
      {
        follow: boolParam(q, "follow"),
        stdout: boolParam(q, "stdout"),
        stderr: boolParam(q, "stderr"),
        timestamps: boolParam(q, "timestamps"),
        details: boolParam(q, "details"),
        ...(tail !== undefined && tail >= 0 ? { tail } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      },
      req.ctx,
    );
    res.writeHead(200, { "Content-Type": streamContentType(req, tty) });
    res.flushHeaders();
    for await (const ch of chunks) {
      if (res.destroyed) break;
      res.write(tty ? ch.data : frameChunk(ch.stream, ch.data));
    }
    res.end();
  });
  r.get(`/containers/${id}/top`, async (req, res) => {
    const ps = req.query.get("ps_args");
    sendJson(res, 200, await cs.top(req.params[0] ?? "", ps ? { psArgs: ps } : {}, req.ctx));
  });
  r.get(`/containers/${id}/port-warnings`, async (req, res) => {
    sendJson(res, 200, { Warnings: cs.portWarnings ? await cs.portWarnings(req.params[0] ?? "", req.ctx) : [] });
  });
  r.get(`/containers/${id}/stats`, async (req, res) => {
    const stream = boolParamOr(req.query, "stream", true);
    const it = cs.stats(req.params[0] ?? "", { stream, oneShot: boolParam(req.query, "one-shot") }, req.ctx);
    let started = false;
    for await (const s of it) {
      if (res.destroyed) break;
      if (!started) {
        res.writeHead(200, { "Content-Type": "application/json" });
        started = true;
      }
      res.write(JSON.stringify(s) + "\n");
      if (!stream) break;
    }
    if (!started) res.writeHead(200, { "Content-Type": "application/json" });
    res.end();
  });
  r.post(`/containers/${id}/pause`, async (req, res) => {
    await cs.pause(req.params[0] ?? "", req.ctx);
    sendNoContent(res);
  });
  r.post(`/containers/${id}/unpause`, async (req, res) => {
    await cs.unpause(req.params[0] ?? "", req.ctx);
    sendNoContent(res);
  });
  r.post(`/containers/${id}/rename`, async (req, res) => {
    const name = req.query.get("name");
    if (!name) throw new InvalidArgumentError("name cannot be empty");
    await cs.rename(req.params[0] ?? "", name, req.ctx);
    sendNoContent(res);
  });
  r.post(`/containers/${id}/update`, async (req, res) => {
    const body = ((await readJsonBody(req.raw)) ?? {}) as HostConfig;
    sendJson(res, 200, await cs.update(req.params[0] ?? "", body, req.ctx));
  });
}
