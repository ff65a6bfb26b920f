/**
 * Sends N MB of zeros to HOST:PORT over one TCP connection and prints the throughput in MB/s (time from
 * connect to the peer closing its side). Used by bench/network.sh; traffic stays on loopback or inside
 * network namespaces the bench made.
 *   node out/bench/tcp-send.js HOST PORT MB
 */
import { connect } from "node:net";

const [host = "127.0.0.1", portText = "0", mbText = "200"] = process.argv.slice(2);
const total = Number(mbText) * 1024 * 1024;
const chunk = Buffer.alloc(1024 * 1024);
const t0 = process.hrtime.bigint();
const sock = connect(Number(portText), host, () => {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      sent += chunk.length;
      if (!sock.write(chunk)) {
        sock.once("drain", pump);
        return;
      }
    }
    sock.end();
  };
  pump();
});
sock.on("data", () => undefined);
sock.on("close", () => {
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${(total / 1024 / 1024 / s).toFixed(1)}\n`);
});
sock.on("error", (e) => {
  process.stderr.write(`tcp-send: ${e.message}\n`);
  process.exit(1);
});
