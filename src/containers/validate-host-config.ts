import { isIP } from "node:net";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { HostConfig } from "../api/types/containers.js";

const MIN_MEMORY = 6 * 1024 * 1024;
const LOG_DRIVERS = new Set(["json-file", "local", "none", "k8s-file"]);

/** Checks a create/update HostConfig the way dockerd does; throws InvalidArgumentError (400) with docker's wording. */
export function validateHostConfig(hc: HostConfig): void {
  for (const e of hc.ExtraHosts ?? []) {
    const i = e.indexOf(":");
    const ip = i > 0 ? e.slice(i + 1) : "";
    if (i <= 0 || (ip !== "host-gateway" && isIP(ip) === 0)) throw new InvalidArgumentError(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  if ((hc.Memory ?? 0) < 0) throw new InvalidArgumentError("invalid memory: value must not be negative");
  if (hc.Memory !== undefined && hc.Memory > 0 && hc.Memory < MIN_MEMORY) {
    throw new InvalidArgumentError("Minimum memory limit allowed is 6MB");
  }
  if (hc.MemorySwap !== undefined && hc.MemorySwap > 0 && hc.Memory !== undefined && hc.Memory > 0 && hc.MemorySwap < hc.Memory) {
    throw new InvalidArgumentError("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (hc.MemorySwap !== undefined && hc.MemorySwap > 0 && !(hc.Memory !== undefined && hc.Memory > 0)) {
    throw new InvalidArgumentError("You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (hc.MemoryReservation !== undefined && hc.MemoryReservation > 0 && hc.MemoryReservation < MIN_MEMORY) {
    throw new InvalidArgumentError("Minimum memory reservation allowed is 6MB");
  }
  if (hc.Memory && hc.MemoryReservation && hc.Memory < hc.MemoryReservation) {
    throw new InvalidArgumentError("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  if ((hc.NanoCpus ?? 0) < 0) throw new InvalidArgumentError("invalid CPU value: NanoCPUs must not be negative");
  if (hc.NanoCpus && (hc.CpuQuota || hc.CpuPeriod)) {
    throw new InvalidArgumentError("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  if (hc.CpuPeriod !== undefined && hc.CpuPeriod !== 0 && (hc.CpuPeriod < 1000 || hc.CpuPeriod > 1000000)) {
    throw new InvalidArgumentError("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (hc.CpuQuota !== undefined && hc.CpuQuota > 0 && hc.CpuQuota < 1000) {
    throw new InvalidArgumentError("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  }
  if ((hc.CpuShares ?? 0) < 0) throw new InvalidArgumentError("invalid CPU shares: value must not be negative");
  if (hc.PidsLimit !== undefined && hc.PidsLimit !== null && hc.PidsLimit < -1) {
    throw new InvalidArgumentError("invalid PIDs limit: value must be -1 (unlimited) or greater");
  }
  const rp = hc.RestartPolicy;
  if (rp && rp.Name !== undefined) {
    const name: string = rp.Name;
    if (!["", "no", "always", "unless-stopped", "on-failure"].includes(name)) {
      throw new InvalidArgumentError(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
    }
    const count = rp.MaximumRetryCount ?? 0;
    if (name === "on-failure" && count < 0) {
      throw new InvalidArgumentError("invalid restart policy: maximum retry count cannot be negative");
    }
    if (name !== "on-failure" && count !== 0) {
      throw new InvalidArgumentError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
    }
    if (hc.AutoRemove && name !== "" && name !== "no") {
      throw new InvalidArgumentError("Conflicting options: --restart and --rm");
    }
  }
  const driver = hc.LogConfig?.Type;
  if (driver && !LOG_DRIVERS.has(driver)) {
    throw new InvalidArgumentError(`failed to create task for container: logger: no log driver named '${driver}' is registered`);
  }
  const maxSize = hc.LogConfig?.Config?.["max-size"];
  if (maxSize !== undefined && parseSize(maxSize) === undefined) {
    throw new InvalidArgumentError(`invalid size: '${maxSize}'`);
  }
}

/** Parses docker's go-units RAMInBytes ("10m", "1g", "512k", "100"). Undefined when invalid. */
export function parseSize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(s.trim());
  if (!m) return undefined;
  const units: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  const mult = units[(m[2] ?? "").toLowerCase()];
  if (mult === undefined) return undefined;
  return Math.floor(Number(m[1]) * mult);
}
