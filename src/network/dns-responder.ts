/**
 * Name resolution on user networks: one UDP responder per network on its gateway address, port 53.
 * Names of containers on that network (name, aliases, short id) get A records; other names are
 * forwarded to the host's resolvers (the real upstreams when the host runs a local stub).
 */
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import type { Logger } from "../util/log.js";
import { buildReply, parseQuery, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, TYPE_AAAA } from "./dns-message.js";

/** The host's upstream resolvers: /etc/resolv.conf, or systemd-resolved's real list behind a 127.x stub. */
export function hostUpstreams(): string[] {
  const read = (p: string): string[] => {
    try {
      return [...readFileSync(p, "utf8").matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1] ?? "").filter((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s));
    } catch {
      return [];
    }
  };
  const main = read("/etc/resolv.conf");
  if (main.length > 0 && main.every((s) => s.startsWith("127."))) {
    const real = read("/run/systemd/resolve/resolv.conf").filter((s) => !s.startsWith("127."));
    if (real.length > 0) return real;
  }
  return main;
}

export interface DnsResponderOptions {
  /**
   * IPv4 addresses for `name`, asked by `client` (its address) on network `networkId`; empty when
   * unknown there.
   */
  resolve: (networkId: string, name: string, client: string) => string[];
  upstreams?: () => string[];
  log: Logger;
}

export class DnsResponder {
  private readonly sockets = new Map<string, { sock: Socket; addr: string }>();

  constructor(private readonly o: DnsResponderOptions) {}

  /** Serves network `networkId` on `address`:53 (idempotent; a failure is logged, not thrown). */
  async listen(networkId: string, address: string): Promise<void> {
    const cur = this.sockets.get(networkId);
    if (cur && cur.addr === address) return;
    if (cur) this.close(networkId);
    const sock = createSocket({ type: "udp4", reuseAddr: true });
    sock.on("message", (msg, rinfo) => void this.answer(networkId, sock, msg, rinfo.address, rinfo.port));
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once("error", reject);
        sock.bind({ address, port: 53 }, () => {
          sock.off("error", reject);
          resolve();
        });
      });
      sock.on("error", (e) => this.o.log.warn("dns responder error", { networkId, err: e.message }));
      this.sockets.set(networkId, { sock, addr: address });
    } catch (e) {
      sock.close();
      this.o.log.warn("dns responder not started", { networkId, address, err: e instanceof Error ? e.message : String(e) });
    }
  }

  close(networkId: string): void {
    const s = this.sockets.get(networkId);
    if (!s) return;
    this.sockets.delete(networkId);
    s.sock.close();
  }

  closeAll(): void {
    for (const id of [...this.sockets.keys()]) this.close(id);
  }

  private async answer(networkId: string, sock: Socket, msg: Buffer, host: string, port: number): Promise<void> {
    const q = parseQuery(msg);
    if (!q) return;
    const ips = this.o.resolve(networkId, q.name, host);
    let reply: Buffer;
    if (ips.length > 0) reply = buildReply(msg, q, q.type === TYPE_A ? ips : []);
    else if (!q.name.includes(".") && (q.type === TYPE_A || q.type === TYPE_AAAA)) reply = buildReply(msg, q, [], RCODE_NXDOMAIN);
    else reply = (await this.forward(msg)) ?? buildReply(msg, q, [], RCODE_SERVFAIL);
    sock.send(reply, port, host);
  }

  private forward(msg: Buffer): Promise<Buffer | undefined> {
    const up = (this.o.upstreams ?? hostUpstreams)()[0];
    if (!up) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const s = createSocket("udp4");
      const done = (r: Buffer | undefined): void => {
        clearTimeout(timer);
        s.close();
        resolve(r);
      };
      const timer = setTimeout(() => done(undefined), 3000);
      s.on("error", () => done(undefined));
      s.on("message", (r) => done(r));
      s.send(msg, 53, up, (e) => {
        if (e) done(undefined);
      });
    });
  }
}
