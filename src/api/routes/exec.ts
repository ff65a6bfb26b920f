/**
 * Exec: POST /containers/{id}/exec (201 {Id}), POST /exec/{id}/start (hijacked like attach; Detach → 200
 * with an empty body), POST /exec/{id}/resize, GET /exec/{id}/json.
 */
import type { Duplex } from "node:stream";
import { InvalidArgumentError, messageOf } from "../../errdefs/index.js";
import type { Backend, ContainersBackend } from "../backend.js";
import { readJsonBody, sendJson } from "../http-util.js";
import type { ApiRequest, Router } from "../router.js";
import type { ExecCreateRequest } from "../types/containers.js";
import { rawError, readUpgradeBody, runHijacked, runPlain } from "./containers.js";

interface ExecStartBody {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

function intParam(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null || v === "") return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

function parseStartBody(text: string): ExecStartBody {
  if (text.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`invalid JSON: ${messageOf(e)}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new InvalidArgumentError("invalid exec start body");
  return v as ExecStartBody;
}

/** The start body's ConsoleSize (API 1.42+) as the initial size: a resize before the start (ignored if refused). */
async function initialSize(cs: ContainersBackend, req: ApiRequest, body: ExecStartBody): Promise<void> {
  const c = body.ConsoleSize;
  if (!Array.isArray(c) || !(c[0] > 0) || !(c[1] > 0)) return;
  await cs.execResize(req.params[0] ?? "", { h: c[0], w: c[1] }, req.ctx).catch(() => undefined);
}

export function registerExecRoutes(r: Router, backend: Backend): void {
  const c = backend.containers;
  if (!c) return;
  const cs: ContainersBackend = c;
  const id = "([^/]+)";

  r.post(`/containers/${id}/exec`, async (req, res) => {
    const body = (await readJsonBody(req.raw, 1 << 20)) as ExecCreateRequest | undefined;
    if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) throw new InvalidArgumentError("No exec command specified");
    sendJson(res, 201, await cs.execCreate(req.params[0] ?? "", body, req.ctx));
  });

  r.post(
    `/exec/${id}/start`,
    async (req, res) => {
      const body = ((await readJsonBody(req.raw, 1 << 20)) ?? {}) as ExecStartBody;
      const detach = body.Detach === true;
      await initialSize(cs, req, body);
      const session = await cs.prepareExecStart(req.params[0] ?? "", { detach, tty: body.Tty === true }, req.ctx);
      if (detach) {
        await session.run({ stdin: null, output: () => undefined, signal: req.ctx.signal });
        res.writeHead(200, { "Content-Length": "0" });
        res.end();
        return;
      }
      await runPlain(req, res, session);
    },
    async (req, socket, head) => {
      let rest: Buffer;
      let body: ExecStartBody;
      try {
        const b = await readUpgradeBody(req, socket, head);
        rest = b.rest;
        body = parseStartBody(b.text);
      } catch (e) {
        rawError(socket, e);
        return;
      }
      const detach = body.Detach === true;
      let session;
      try {
        await initialSize(cs, req, body);
        session = await cs.prepareExecStart(req.params[0] ?? "", { detach, tty: body.Tty === true }, req.ctx);
      } catch (e) {
        rawError(socket, e);
        return;
      }
      if (detach) {
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
      }
      await runHijacked(req, socket, rest, session, true);
    },
  );

  r.post(`/exec/${id}/resize`, async (req, res) => {
    await cs.execResize(req.params[0] ?? "", { h: intParam(req.query, "h"), w: intParam(req.query, "w") }, req.ctx);
    sendJson(res, 200, "");
  });

  r.get(`/exec/${id}/json`, async (req, res) => {
    sendJson(res, 200, await cs.execInspect(req.params[0] ?? "", req.ctx));
  });
}
