/**
 * A container's filesystem: the archive API behind `docker cp` (HEAD/GET/PUT /containers/{id}/archive,
 * the path's stat as base64 JSON in X-Docker-Container-Path-Stat), `docker export`, `docker diff`
 * (GET /containers/{id}/changes) and `docker commit` (POST /commit).
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { InvalidArgumentError } from "../../errdefs/index.js";
import type { Backend, ContainersBackend } from "../backend.js";
import { boolParam, boolParamOr, readJsonBody, sendJson, sendNoContent } from "../http-util.js";
import type { Router } from "../router.js";
import type { ContainerCreateRequest, PathStat } from "../types/containers.js";

const STAT_HEADER = "X-Docker-Container-Path-Stat";

function statHeader(st: PathStat): string {
  return Buffer.from(JSON.stringify(st)).toString("base64");
}

function pathParam(q: URLSearchParams): string {
  const p = q.get("path");
  if (!p) throw new InvalidArgumentError("Path cannot be empty");
  return p;
}

/** Streams a tar answer; a failure after the headers went out cuts the connection (the client sees a short tar). */
async function sendTar(res: ServerResponse, tar: Readable, headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, { "Content-Type": "application/x-tar", ...headers });
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off("close", onClose);
      resolve();
    };
    const onClose = (): void => {
      tar.destroy();
      done();
    };
    tar.once("error", () => {
      res.destroy();
      done();
    });
    tar.once("end", () => {
      res.end();
      done();
    });
    res.once("close", onClose);
    tar.pipe(res, { end: false });
  });
}

export function registerContainerFsRoutes(r: Router, backend: Backend): void {
  const c = backend.containers;
  if (!c) return;
  const cs: ContainersBackend = c;
  const id = "([^/]+)";

  // HEAD first: the router would otherwise answer HEAD with the GET route below.
  r.add("HEAD", `/containers/${id}/archive`, async (req, res) => {
    const st = await cs.statPath(req.params[0] ?? "", pathParam(req.query), req.ctx);
    res.writeHead(200, { "Content-Type": "application/json", [STAT_HEADER]: statHeader(st) });
    res.end();
  });
  r.get(`/containers/${id}/archive`, async (req, res) => {
    const { stat, tar } = await cs.getArchive(req.params[0] ?? "", pathParam(req.query), req.ctx);
    await sendTar(res, tar, { [STAT_HEADER]: statHeader(stat) });
  });
  r.add("PUT", `/containers/${id}/archive`, async (req, res) => {
    const q = req.query;
    await cs.putArchive(req.params[0] ?? "", pathParam(q), req.raw, { noOverwriteDirNonDir: boolParam(q, "noOverwriteDirNonDir"), copyUIDGID: boolParam(q, "copyUIDGID") }, req.ctx);
    sendNoContent(res, 200);
  });
  r.get(`/containers/${id}/export`, async (req, res) => {
    await sendTar(res, await cs.export(req.params[0] ?? "", req.ctx));
  });
  r.get(`/containers/${id}/changes`, async (req, res) => {
    sendJson(res, 200, await cs.changes(req.params[0] ?? "", req.ctx));
  });
  r.post("/commit", async (req, res) => {
    const q = req.query;
    const body = await readJsonBody(req.raw, 8 << 20);
    const opt = (k: string): Record<string, string> => {
      const v = q.get(k);
      return v ? { [k]: v } : {};
    };
    const out = await cs.commit(
      {
        container: q.get("container") ?? "",
        ...opt("repo"),
        ...opt("tag"),
        ...opt("comment"),
        ...opt("author"),
        pause: boolParamOr(q, "pause", true),
        changes: q.getAll("changes").filter((s) => s.trim() !== ""),
        ...(body !== null && typeof body === "object" && !Array.isArray(body) ? { config: body as ContainerCreateRequest } : {}),
      },
      req.ctx,
    );
    sendJson(res, 201, out);
  });
}
