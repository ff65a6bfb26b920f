import type { HealthLog } from "../api/types/containers.js";
import type Database from "better-sqlite3";
import { ConflictError, InvalidArgumentError, NoSuchContainerError } from "../errdefs/index.js";
import type { StateDb } from "../state/index.js";
import type { ContainerConfig } from "../oci/types.js";
import type { HostConfig } from "../api/types/containers.js";
import { nameInUseMessage } from "./names.js";

export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** Runtime state kept with a container (docker's State minus Status). */
export interface ContainerRunState {
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
  /** Stopped through the API: no restart policy applies (and unless-stopped not at daemon start). */
  ManuallyStopped?: boolean;
  /** Health check state, when the container has a check (docker's State.Health). */
  Health?: { Status: "starting" | "healthy" | "unhealthy"; FailingStreak: number; Log: HealthLog[] };
}

/** One container as persisted (table `containers`, migration 0003). */
export interface ContainerRecord {
  id: string;
  name: string; // "/name"
  image: string;
  imageId: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  status: ContainerStatus;
  state: ContainerRunState;
  restartCount: number;
  created: string;
  snapshotKey: string;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

export function emptyRunState(): ContainerRunState {
  return { Pid: 0, ExitCode: 0, Error: "", StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, OOMKilled: false };
}

interface Row {
  id: string;
  name: string;
  image: string;
  image_id: string;
  config: string;
  host_config: string;
  status: string;
  state: string;
  restart_count: number;
  created: string;
  snapshot_key: string;
}

function fromRow(r: Row): ContainerRecord {
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    imageId: r.image_id,
    config: JSON.parse(r.config) as ContainerConfig,
    hostConfig: JSON.parse(r.host_config) as HostConfig,
    status: r.status as ContainerStatus,
    state: { ...emptyRunState(), ...(JSON.parse(r.state) as Partial<ContainerRunState>) },
    restartCount: r.restart_count,
    created: r.created,
    snapshotKey: r.snapshot_key,
  };
}

/** SQLite persistence of container records; every write is one transaction. */
export class ContainerStore {
  private readonly db: Database.Database;
  constructor(private readonly state: StateDb) {
    this.db = state.db;
  }

  /** Inserts a new record; 409 with docker's wording when the name is taken. */
  insert(rec: ContainerRecord): void {
    this.state.tx(() => {
      const clash = this.db.prepare("SELECT id FROM containers WHERE name = ?").get(rec.name) as { id: string } | undefined;
      if (clash) throw new ConflictError(nameInUseMessage(rec.name, clash.id));
      this.db
        .prepare(
          `INSERT INTO containers (id, name, image, image_id, config, host_config, status, state, restart_count, created, snapshot_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(rec.id, rec.name, rec.image, rec.imageId, JSON.stringify(rec.config), JSON.stringify(rec.hostConfig), rec.status,
          JSON.stringify(rec.state), rec.restartCount, rec.created, rec.snapshotKey);
    });
  }

  nameInUse(name: string): string | undefined {
    const r = this.db.prepare("SELECT id FROM containers WHERE name = ?").get(name) as { id: string } | undefined;
    return r?.id;
  }

  /** Finds by full id, name ("x" or "/x"), or unique id prefix; NoSuchContainerError otherwise. */
  lookup(ref: string): ContainerRecord {
    if (ref === "") throw new NoSuchContainerError(ref);
    const byId = this.db.prepare("SELECT * FROM containers WHERE id = ?").get(ref) as Row | undefined;
    if (byId) return fromRow(byId);
    const name = ref.startsWith("/") ? ref : `/${ref}`;
    const byName = this.db.prepare("SELECT * FROM containers WHERE name = ?").get(name) as Row | undefined;
    if (byName) return fromRow(byName);
    if (/^[0-9a-f]+$/.test(ref)) {
      const rows = this.db.prepare("SELECT * FROM containers WHERE substr(id, 1, ?) = ? LIMIT 2").all(ref.length, ref) as Row[];
      if (rows.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${ref}`);
      const first = rows[0];
      if (first) return fromRow(first);
    }
    throw new NoSuchContainerError(ref);
  }

  get(id: string): ContainerRecord | undefined {
    const r = this.db.prepare("SELECT * FROM containers WHERE id = ?").get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  all(): ContainerRecord[] {
    return (this.db.prepare("SELECT * FROM containers ORDER BY created DESC, rowid DESC").all() as Row[]).map(fromRow);
  }

  /** Parsed JSON columns by container id, reused by allForRead() while a row's text is unchanged. */
  private readonly parsed = new Map<string, { texts: [string, string, string]; rec: ContainerRecord }>();

  /**
   * Every record like all(), for callers that only read (`docker ps`): the parsed config, host config
   * and state objects are shared between calls, so they must not be modified.
   */
  allForRead(): ContainerRecord[] {
    const rows = this.db.prepare("SELECT * FROM containers ORDER BY created DESC, rowid DESC").all() as Row[];
    const seen = new Set<string>();
    const out = rows.map((r) => {
      seen.add(r.id);
      const hit = this.parsed.get(r.id);
      if (hit && hit.texts[0] === r.config && hit.texts[1] === r.host_config && hit.texts[2] === r.state) {
        return { ...hit.rec, id: r.id, name: r.name, image: r.image, imageId: r.image_id, status: r.status as ContainerStatus, restartCount: r.restart_count, created: r.created, snapshotKey: r.snapshot_key };
      }
      const rec = fromRow(r);
      this.parsed.set(r.id, { texts: [r.config, r.host_config, r.state], rec });
      return { ...rec };
    });
    if (this.parsed.size > seen.size) for (const id of this.parsed.keys()) if (!seen.has(id)) this.parsed.delete(id);
    return out;
  }

  /** Persists status/state/restartCount/config/hostConfig of an existing record. */
  update(rec: ContainerRecord): void {
    this.state.tx(() => this.write(rec));
  }

  /**
   * update() for what the runtime's state rebuilds anyway (started, exited, restarting, paused, health,
   * removing): committed without an fsync of its own (StateDb.txRelaxed). A user's intent (a manual
   * stop, `docker update`) goes through update().
   */
  updateRuntimeState(rec: ContainerRecord): void {
    this.state.txRelaxed(() => this.write(rec));
  }

  private write(rec: ContainerRecord): void {
    this.db
      .prepare("UPDATE containers SET status = ?, state = ?, restart_count = ?, config = ?, host_config = ? WHERE id = ?")
      .run(rec.status, JSON.stringify(rec.state), rec.restartCount, JSON.stringify(rec.config), JSON.stringify(rec.hostConfig), rec.id);
  }

  rename(id: string, newName: string): void {
    this.state.tx(() => {
      const clash = this.nameInUse(newName);
      if (clash && clash !== id) throw new ConflictError(nameInUseMessage(newName, clash));
      this.db.prepare("UPDATE containers SET name = ? WHERE id = ?").run(newName, id);
    });
  }

  delete(id: string): void {
    this.state.tx(() => {
      this.db.prepare("DELETE FROM containers WHERE id = ?").run(id);
    });
  }

  /** Image ids used by any container (for images.setInUse). */
  imageIds(): Set<string> {
    return new Set((this.db.prepare("SELECT DISTINCT image_id FROM containers").all() as { image_id: string }[]).map((r) => r.image_id));
  }
}
