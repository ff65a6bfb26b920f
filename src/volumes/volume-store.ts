import type { StateDb } from "../state/index.js";

/** One row of the volumes table. */
export interface VolumeRecord {
  name: string;
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  anonymous: boolean;
  created: string;
}

export interface VolumeRef {
  containerId: string;
  destination: string;
  volume: string;
}

interface Row {
  name: string;
  driver: string;
  labels: string;
  options: string;
  anonymous: number;
  created: string;
}

function fromRow(r: Row): VolumeRecord {
  return {
    name: r.name,
    driver: r.driver,
    labels: JSON.parse(r.labels) as Record<string, string>,
    options: JSON.parse(r.options) as Record<string, string>,
    anonymous: r.anonymous === 1,
    created: r.created,
  };
}

/** SQL for volumes and volume_refs (migration 0005). */
export class VolumeStore {
  constructor(private readonly state: StateDb) {}

  get(name: string): VolumeRecord | undefined {
    const r = this.state.db.prepare("SELECT * FROM volumes WHERE name = ?").get(name) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  all(): VolumeRecord[] {
    return (this.state.db.prepare("SELECT * FROM volumes ORDER BY name").all() as Row[]).map(fromRow);
  }

  insert(v: VolumeRecord): void {
    this.state.db
      .prepare("INSERT INTO volumes (name, driver, labels, options, anonymous, created) VALUES (?, ?, ?, ?, ?, ?)")
      .run(v.name, v.driver, JSON.stringify(v.labels), JSON.stringify(v.options), v.anonymous ? 1 : 0, v.created);
  }

  delete(name: string): void {
    this.state.tx(() => {
      this.state.db.prepare("DELETE FROM volume_refs WHERE volume = ?").run(name);
      this.state.db.prepare("DELETE FROM volumes WHERE name = ?").run(name);
    });
  }

  /** Container ids using the volume, in order of first use. */
  users(name: string): string[] {
    const rows = this.state.db.prepare("SELECT DISTINCT container_id FROM volume_refs WHERE volume = ? ORDER BY rowid").all(name) as { container_id: string }[];
    return rows.map((r) => r.container_id);
  }

  /** volume name → number of containers using it. */
  refCounts(): Map<string, number> {
    const rows = this.state.db.prepare("SELECT volume, COUNT(DISTINCT container_id) AS n FROM volume_refs GROUP BY volume").all() as { volume: string; n: number }[];
    return new Map(rows.map((r) => [r.volume, r.n]));
  }

  addRefs(refs: readonly VolumeRef[]): void {
    const ins = this.state.db.prepare("INSERT OR REPLACE INTO volume_refs (container_id, destination, volume) VALUES (?, ?, ?)");
    this.state.tx(() => {
      for (const r of refs) ins.run(r.containerId, r.destination, r.volume);
    });
  }

  private refsStmt: ReturnType<StateDb["db"]["prepare"]> | undefined;

  refsOf(containerId: string): VolumeRef[] {
    this.refsStmt ??= this.state.db.prepare("SELECT destination, volume FROM volume_refs WHERE container_id = ?");
    const rows = this.refsStmt.all(containerId) as { destination: string; volume: string }[];
    return rows.map((r) => ({ containerId, destination: r.destination, volume: r.volume }));
  }

  deleteRefs(containerId: string): void {
    this.state.db.prepare("DELETE FROM volume_refs WHERE container_id = ?").run(containerId);
  }

  /** Drops refs of containers not in `live` (left by a crash between ref and container record). */
  deleteRefsExcept(live: ReadonlySet<string>): number {
    const ids = (this.state.db.prepare("SELECT DISTINCT container_id FROM volume_refs").all() as { container_id: string }[]).map((r) => r.container_id);
    let n = 0;
    for (const id of ids) {
      if (live.has(id)) continue;
      this.deleteRefs(id);
      n++;
    }
    return n;
  }
}
