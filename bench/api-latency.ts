/**
 * Latency of one Engine API call over a unix socket, measured inside one process (no CLI start-up):
 *   node out/bench/api-latency.js SOCKET PATH [RUNS]
 * Prints: median_ms<TAB>min_ms<TAB>max_ms<TAB>bytes
 */
import { request } from "node:http";

const [socketPath, apiPath = "/images/json", runsArg] = process.argv.slice(2);
if (!socketPath) {
  process.stderr.write("usage: api-latency.js SOCKET PATH [RUNS]\n");
  process.exit(2);
}
const runs = Number(runsArg ?? "30");

function once(): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ socketPath, path: apiPath, method: "GET", agent: false }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        else resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

for (let i = 0; i < 3; i++) await once();
const samples: number[] = [];
let bytes = 0;
for (let i = 0; i < runs; i++) {
  const r = await once();
  samples.push(r.ms);
  bytes = r.bytes;
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)] ?? 0;
process.stdout.write(`${median.toFixed(2)}\t${(samples[0] ?? 0).toFixed(2)}\t${(samples.at(-1) ?? 0).toFixed(2)}\t${bytes}\n`);
