/** The little of the DNS wire format the responder needs: read a question, write A answers or an error. */

export interface DnsQuestion {
  id: number;
  /** Lower-cased, without the trailing dot. */
  name: string;
  type: number;
  /** Offset just past the question section (the question bytes are copied into replies). */
  end: number;
  rd: boolean;
}

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

/** The first question of a query, or undefined when the packet is not a plain query. */
export function parseQuery(msg: Buffer): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) !== 0 || ((flags >> 11) & 0xf) !== 0) return undefined; // a response, or not QUERY
  if (msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off] ?? 0;
    off++;
    if (len === 0) break;
    if (len > 63 || off + len > msg.length) return undefined;
    labels.push(msg.toString("latin1", off, off + len));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  return { id: msg.readUInt16BE(0), name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(off), end: off + 4, rd: (flags & 0x0100) !== 0 };
}

/** A reply to `query` with A records for `ips` (none: NODATA), or an error rcode. */
export function buildReply(query: Buffer, q: DnsQuestion, ips: readonly string[], rcode = 0): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(0x8000 | 0x0400 | (q.rd ? 0x0100 : 0) | 0x0080 | (rcode & 0xf), 2); // QR AA RD RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rcode === 0 ? ips.length : 0, 6);
  const question = query.subarray(12, q.end);
  const answers = rcode === 0
    ? ips.map((ip) => {
        const a = Buffer.alloc(16);
        a.writeUInt16BE(0xc00c, 0); // name: pointer to the question
        a.writeUInt16BE(TYPE_A, 2);
        a.writeUInt16BE(1, 4); // IN
        a.writeUInt32BE(600, 6);
        a.writeUInt16BE(4, 10);
        ip.split(".").forEach((o, i) => a.writeUInt8(Number(o), 12 + i));
        return a;
      })
    : [];
  return Buffer.concat([header, question, ...answers]);
}

/** A query for `name` (tests and diagnostics). */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const parts = name.split(".").filter((l) => l !== "");
  const qname = Buffer.concat([...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "latin1")])), Buffer.from([0])]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([h, qname, tail]);
}
