/**
 * The local driver's options (docker's `--opt`): `type`, `o` and `device` describe a mount(8) of the
 * volume's _data directory (`type=tmpfs device=tmpfs o=size=64m`, `type=none o=bind device=/path`, `type=nfs …`);
 * without them the volume is a plain directory.
 */
import { InvalidArgumentError } from "../errdefs/index.js";
import type { MountSpec } from "../mount/index.js";

const VALID_OPTS = new Set(["type", "o", "device"]);

export function validateLocalOptions(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) {
    if (k === "size") throw new InvalidArgumentError(`quota size requested but no quota support`);
    if (!VALID_OPTS.has(k)) throw new InvalidArgumentError(`invalid option: "${k}"`);
  }
  // docker's mandatory pairs: type needs device, device needs type, o needs both
  const mandatory: Array<[string, string[]]> = [["type", ["device"]], ["device", ["type"]], ["o", ["device", "type"]]];
  for (const [opt, needs] of mandatory) {
    if (!(opt in opts)) continue;
    for (const n of needs) if (!(n in opts)) throw new InvalidArgumentError(`missing required option: "${n}"`);
  }
  const device = opts["device"] ?? "";
  const o = (opts["o"] ?? "").split(",");
  if (o.includes("bind") && device !== "" && !device.startsWith("/")) {
    throw new InvalidArgumentError(`invalid device for bind mount: ${JSON.stringify(device)}: must be an absolute path`);
  }
}

/** The mount for a volume's options, or undefined for a plain directory. */
export function localMountSpec(opts: Record<string, string>): MountSpec | undefined {
  const type = opts["type"] ?? "";
  if (type === "") return undefined;
  const options = (opts["o"] ?? "").split(",").filter((x) => x !== "");
  const bind = type === "none" || options.includes("bind") || options.includes("rbind");
  return { type: bind ? "bind" : type, source: opts["device"] || type, options };
}
