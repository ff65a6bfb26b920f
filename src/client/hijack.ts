/** Hijacked requests: `Upgrade: tcp`, expect `101`, then hand back the raw duplex socket. */
import { connect, type Socket } from "node:net";
import { DaemonError, type Endpoint } from "./engine-client.js";

export interface HijackResult {
  socket: Socket;
  /** Content-Type of the 101 answer (raw-stream or multiplexed-stream). */
  contentType: string;
  /** Bytes that arrived after the headers (already part of the stream). */
  head: Buffer;
}

/** Sends `method path` with a JSON body and `Upgrade: tcp`; resolves once the daemon answers 101. */
export function hijack(endpoint: Endpoint, method: string, path: string, body?: unknown): Promise<HijackResult> {
  return new Promise((resolve, reject) => {
    const socket = endpoint.socketPath !== undefined ? connect(endpoint.socketPath) : connect(endpoint.port ?? 2375, endpoint.hostname ?? "127.0.0.1");
    const data = body === undefined ? "" : JSON.stringify(body);
    const req =
      `${method} ${path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
      (body === undefined ? "" : `Content-Type: application/json\r\n`) +
      `Content-Length: ${Buffer.byteLength(data)}\r\n\r\n${data}`;
    let buf = Buffer.alloc(0);
    const onError = (err: Error): void => reject(err);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
      }
      const rest = buf.subarray(end + 4);
      socket.off("data", onData);
      if (status === 101 || (status === 200 && headers.get("content-type")?.startsWith("application/vnd.docker") === true)) {
        socket.off("error", onError);
        socket.pause();
        resolve({ socket, contentType: headers.get("content-type") ?? "", head: rest });
        return;
      }
      // Error answer: read the (Content-Length) body and report docker's message.
      const len = Number(headers.get("content-length") ?? -1);
      let body = rest;
      const finish = (): void => {
        socket.destroy();
        let message = body.toString("utf8").trim();
        try {
          const parsed = JSON.parse(message) as { message?: unknown };
          if (typeof parsed.message === "string") message = parsed.message;
        } catch {
          /* plain text body */
        }
        reject(new DaemonError(message, status));
      };
      if (len >= 0 && body.length >= len) return finish();
      socket.on("data", (c: Buffer) => {
        body = Buffer.concat([body, c]);
        if (len >= 0 && body.length >= len) finish();
      });
      socket.on("end", finish);
    };
    socket.on("error", onError);
    socket.on("data", onData);
    socket.write(req);
  });
}
