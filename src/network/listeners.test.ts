import { test } from "node:test";
import assert from "node:assert/strict";
import { explainLoopbackListeners, parseProcNetTcp } from "./listeners.js";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0200000A:1F90 0100000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 06 00000000:00000000 00:00000000 00000000     0        0 5 1 0000000000000000 100 0 0 10 0
`;

test("parseProcNetTcp reads LISTEN sockets of tcp and tcp6", () => {
  assert.deepEqual(parseProcNetTcp(TCP), [{ ip: "127.0.0.1", port: 80 }, { ip: "0.0.0.0", port: 8080 }]);
  assert.deepEqual(parseProcNetTcp(TCP6), [{ ip: "::1", port: 3000 }]);
});

test("a port whose every listener is loopback is explained; others are not", () => {
  const ls = [...parseProcNetTcp(TCP), ...parseProcNetTcp(TCP6)];
  const msgs = explainLoopbackListeners(ls, [
    { containerPort: 80, hostIp: "", hostPort: 8081 },
    { containerPort: 8080, hostIp: "127.0.0.1", hostPort: 18080 },
    { containerPort: 3000, hostIp: "", hostPort: 3000 },
    { containerPort: 9999, hostIp: "", hostPort: 9999 },
  ]);
  assert.equal(msgs.length, 2);
  assert.match(msgs[0] ?? "", /^port 80\/tcp is published on 0\.0\.0\.0:8081, but the process inside listens on 127\.0\.0\.1:80 only/);
  assert.match(msgs[1] ?? "", /listens on \[::1\]:3000 only/);
});
