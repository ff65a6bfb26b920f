import Database from "better-sqlite3";
import * as path from "node:path";
import { mkdirSync } from "node:fs";
import { migrations, type Migration } from "./migrations.js";
import { isoTime } from "../util/iso-time.js";

/**
 * The metadata database: <data-root>/state.db, SQLite in WAL mode with synchronous=FULL, opened only by
 * berthd (the only writer of state). Every metadata change runs inside tx(), so a crash leaves either
 * the old or the new state. Schema changes go through numbered migrations (migrations.ts), applied in
 * order inside one transaction each and recorded in schema_migrations.
 */
export class StateDb {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  static open(dataRoot: string, list: readonly Migration[] = migrations): StateDb {
    mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
    const db = new Database(path.join(dataRoot, "state.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    const s = new StateDb(db);
    s.migrate(list);
    return s;
  }

  /** An in-memory database (unit tests). */
  static memory(list: readonly Migration[] = migrations): StateDb {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    const s = new StateDb(db);
    s.migrate(list);
    return s;
  }

  private migrate(list: readonly Migration[]): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)");
    const done = new Set(
      (this.db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      this.db.transaction(() => {
        m.up(this.db);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)")
          .run(m.version, m.name, isoTime());
      })();
    }
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  schemaVersion(): number {
    const r = this.db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
    return r.v ?? 0;
  }

  close(): void {
    this.db.close();
  }
}
