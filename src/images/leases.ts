/**
 * Leases pin work in flight (a load, an import, a pull) against GC. Create a lease before writing the
 * first blob, add every blob digest and snapshot key/name to it as soon as it is known (before the blob
 * or snapshot is committed when possible), make the image visible in one transaction, then delete the
 * lease. A lease left by a crash is dropped by ImageService.recover(), after which gc() collects
 * whatever it pinned.
 *
 * Lease changes commit without an fsync of their own (StateDb.txRelaxed): a lease matters only while the
 * daemon that made it runs, and after an OS crash nothing is in flight. Losing one then loses nothing,
 * and SQLite's log keeps commits in order, so the durable commit that makes an image visible carries
 * every lease change before it. That saves a WAL fsync per pinned resource (dozens per build).
 */
import { randomBytes } from "../util/crypto.js";
import type { StateDb } from "../state/index.js";
import { isoTime } from "../util/iso-time.js";

export type LeaseResourceKind = "content" | "snapshot";

export class LeaseManager {
  constructor(private readonly state: StateDb) {}

  create(labels: Record<string, string> = {}): string {
    const id = `lease-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
    this.state.txRelaxed(() =>
      this.state.db.prepare("INSERT INTO leases (id, created, labels) VALUES (?, ?, ?)").run(id, isoTime(), JSON.stringify(labels)),
    );
    return id;
  }

  add(lease: string, kind: LeaseResourceKind, key: string): void {
    this.state.txRelaxed(() => this.state.db.prepare("INSERT OR IGNORE INTO lease_resources (lease_id, kind, key) VALUES (?, ?, ?)").run(lease, kind, key));
  }

  /** Keys of one kind that a lease pins. */
  resources(lease: string, kind: LeaseResourceKind): string[] {
    return (
      this.state.db.prepare("SELECT key FROM lease_resources WHERE lease_id = ? AND kind = ?").all(lease, kind) as { key: string }[]
    ).map((r) => r.key);
  }

  delete(lease: string): void {
    this.state.txRelaxed(() => {
      this.state.db.prepare("DELETE FROM lease_resources WHERE lease_id = ?").run(lease);
      this.state.db.prepare("DELETE FROM leases WHERE id = ?").run(lease);
    });
  }

  list(): string[] {
    return (this.state.db.prepare("SELECT id FROM leases ORDER BY created").all() as { id: string }[]).map((r) => r.id);
  }

  /** Every resource pinned by any lease. */
  pinned(kind: LeaseResourceKind): Set<string> {
    return new Set(
      (this.state.db.prepare("SELECT DISTINCT key FROM lease_resources WHERE kind = ?").all(kind) as { key: string }[]).map(
        (r) => r.key,
      ),
    );
  }

  /** Drops every lease (daemon start: nothing is in flight). */
  clear(): number {
    return this.state.tx(() => {
      this.state.db.prepare("DELETE FROM lease_resources").run();
      return this.state.db.prepare("DELETE FROM leases").run().changes;
    });
  }
}
