/**
 * Input of bench/registry.sh (no download): a docker-archive with LAYERS layers, MB megabytes (10^6
 * bytes) in total, tagged bench/reg:1. KIND "random" (default): incompressible data; "binary": slices of
 * this machine's programs and libraries (gzip shrinks them to ~40 %, like real image layers).
 *
 *   node out/bench/registry-image.js OUT.tar [MB] [LAYERS] [KIND]    prints "<image id> <layer bytes>"
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { writeImageArchive } from "../test/fixtures/image-archive.js";
import { tarBuffer } from "../test/fixtures/tar.js";

const [out, mbArg, layersArg, kindArg = "random"] = process.argv.slice(2);
if (!out) {
  process.stderr.write("usage: registry-image.js OUT.tar [MB] [LAYERS]\n");
  process.exit(2);
}
const mb = Number(mbArg ?? "200");
const n = Number(layersArg ?? "10");
if (!(mb > 0) || !Number.isInteger(n) || n < 1) {
  process.stderr.write("registry-image.js: MB must be > 0 and LAYERS a positive integer\n");
  process.exit(2);
}
if (kindArg !== "random" && kindArg !== "binary") {
  process.stderr.write("registry-image.js: KIND must be random or binary\n");
  process.exit(2);
}
const perLayer = Math.max(1, Math.round((mb * 1_000_000) / n));

/** perLayer bytes of real program code, starting at a different file per layer. */
function binaryData(layer: number): Buffer {
  const dirs = ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/lib"];
  const files: string[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(d)) {
      const p = `${d}/${f}`;
      try {
        const st = statSync(p);
        if (st.isFile() && st.size > 4096) files.push(p);
      } catch {
        /* unreadable: skipped */
      }
    }
  }
  files.sort();
  const parts: Buffer[] = [Buffer.from(`layer ${layer}\n`)];
  let len = parts[0]?.length ?? 0;
  for (let i = 0; len < perLayer && i < files.length * 4; i++) {
    const f = files[(i + layer * 37) % files.length] ?? "";
    const b = readFileSync(f);
    parts.push(b);
    len += b.length;
  }
  return Buffer.concat(parts).subarray(0, perLayer);
}

const layers: Buffer[] = [];
for (let i = 0; i < n; i++) {
  const data = kindArg === "binary" ? binaryData(i) : randomBytes(perLayer);
  layers.push(tarBuffer([{ name: "data/", type: "dir" }, { name: `data/layer-${i}.bin`, data }]));
}
const [r] = writeImageArchive(out, [{ layers, tags: ["bench/reg:1"], createdBy: layers.map((_, i) => `bench layer ${i}`) }]);
if (!r) throw new Error("no image written");
process.stdout.write(`${r.id} ${layers.reduce((s, l) => s + l.length, 0)}\n`);
