/**
 * Input of bench/registry.sh (no download): a docker-archive with LAYERS layers of random
 * (incompressible) data, MB megabytes (10^6 bytes) in total, tagged bench/reg:1.
 *
 *   node out/bench/registry-image.js OUT.tar [MB] [LAYERS]    prints "<image id> <layer bytes>"
 */
import { randomBytes } from "node:crypto";
import { writeImageArchive } from "../test/fixtures/image-archive.js";
import { tarBuffer } from "../test/fixtures/tar.js";

const [out, mbArg, layersArg] = process.argv.slice(2);
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
const perLayer = Math.max(1, Math.round((mb * 1_000_000) / n));
const layers: Buffer[] = [];
for (let i = 0; i < n; i++) layers.push(tarBuffer([{ name: "data/", type: "dir" }, { name: `data/layer-${i}.bin`, data: randomBytes(perLayer) }]));
const [r] = writeImageArchive(out, [{ layers, tags: ["bench/reg:1"], createdBy: layers.map((_, i) => `bench layer ${i}`) }]);
if (!r) throw new Error("no image written");
process.stdout.write(`${r.id} ${layers.reduce((s, l) => s + l.length, 0)}\n`);
