/**
 * Benchmark inputs (no download):
 *   node out/bench/make-images.js big OUT.tar [MB]     one image, 4 layers of random data, MB total (default 100)
 *   node out/bench/make-images.js many OUT.tar [N]     N distinct tiny images (default 500), tagged bench/many:0..N-1
 */
import { writeImageArchive, type ArchiveImage } from "../test/fixtures/image-archive.js";
import { makeRandomImage } from "../test/fixtures/random-image.js";
import { tarBuffer } from "../test/fixtures/tar.js";

const [kind, out, nArg] = process.argv.slice(2);
if (kind === "big" && out) {
  const mb = Number(nArg ?? "100");
  const r = makeRandomImage(out, "bench/big:1", 4, Math.round(mb / 4));
  process.stdout.write(`${r.id}\n`);
} else if (kind === "many" && out) {
  const n = Number(nArg ?? "500");
  const images: ArchiveImage[] = [];
  for (let i = 0; i < n; i++) {
    images.push({
      layers: [tarBuffer([{ name: "etc/", type: "dir" }, { name: "etc/bench-id", data: `image ${i}\n` }])],
      tags: [`bench/many:${i}`],
      created: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace(".000Z", "Z"),
      config: { Labels: { "bench.index": String(i) } },
    });
  }
  writeImageArchive(out, images);
  process.stdout.write(`${n} images\n`);
} else {
  process.stderr.write("usage: make-images.js big OUT.tar [MB] | many OUT.tar [N]\n");
  process.exit(2);
}
