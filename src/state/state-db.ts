import { AsyncLocalStorage } from "node:async_hooks";
import Database from "better-sqlite3";
import * as path from "node:path";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { migrations, type Migration } from "./migrations.js";
import { isoTime } from "../util/iso-time.js";
import { loadAddon, packageRoot } from "../native/index.js";

/**
 * The metadata database: <data-root>/state.db, SQLite in WAL mode with synchronous=FULL, opened only by
 * berthd (the only writer of state). Every metadata change runs inside tx(), so a crash leaves either
 * the old or the new state. Schema changes go through numbered migrations (migrations.ts), applied in
 * order inside one transaction each and recorded in schema_migrations.
 *
 * Commits that need not be durable at once go through txRelaxed or relaxedWithin (no fsync of their own);
 * the next ordinary commit makes them durable.
 *
 * Statements are prepared once per SQL text (db.prepare is memoised): every store method prepares its
 * statement on each call, and SQLite's compile step was a visible share of a container's lifecycle.
 * No caller changes a statement's mode (pluck/raw/expand) or iterates one, which a shared statement
 * would not allow.
 */
export class StateDb {
  readonly db: Database.Database;

  private readonly durable: boolean;
  /** Set inside relaxedWithin: tx() commits there as txRelaxed. */
  private readonly relaxedScope = new AsyncLocalStorage<true>();

  private readonly forgetStatements: () => void;

  private constructor(db: Database.Database, durable: boolean) {
    this.db = db;
    this.durable = durable;
    this.forgetStatements = memoizePrepare(db);
  }

  static open(dataRoot: string, list: readonly Migration[] = migrations): StateDb {
    mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
    const db = new Database(path.join(dataRoot, "state.db"), sqliteOptions());
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    const s = new StateDb(db, true);
    s.migrate(list);
    return s;
  }

  /** An in-memory database (unit tests). */
  static memory(list: readonly Migration[] = migrations): StateDb {
    const db = new Database(":memory:", sqliteOptions());
    db.pragma("foreign_keys = ON");
    const s = new StateDb(db, false);
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

  /** Runs fn in one transaction (nested calls become savepoints). Inside relaxedWithin, as txRelaxed. */
  tx<T>(fn: () => T): T {
    if (this.relaxedScope.getStore() === true) return this.txRelaxed(fn);
    return this.db.transaction(fn)();
  }

  /**
   * Runs fn in one transaction whose commit is not fsynced (synchronous=NORMAL for this commit only).
   * It survives a crash of berthd like any other; an OS crash or power loss may roll it back (never
   * corrupt the database), and the next ordinary commit makes it durable too. For state berthd
   * rebuilds from the runtime anyway: a container's running, exited or health state. Inside another
   * transaction it simply joins it.
   */
  txRelaxed<T>(fn: () => T): T {
    if (!this.durable || this.db.inTransaction) return this.db.transaction(fn)();
    this.db.pragma("synchronous = NORMAL");
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma("synchronous = FULL");
    }
  }

  /**
   * Runs fn with every tx() made inside it (in its async context, however deep) committed as txRelaxed.
   * For a long operation whose intermediate states need not survive an OS crash on their own, such as a
   * build's steps: it ends with a durable commit (the build's tag) or flush(), which makes everything
   * before it durable too, as SQLite's log keeps commits in order.
   */
  relaxedWithin<T>(fn: () => Promise<T>): Promise<T> {
    return this.relaxedScope.run(true, fn);
  }

  /**
   * Gives memory back when the daemon is idle: drops the prepared statements kept for reuse (they are
   * prepared again on next use) and SQLite's page cache (`shrink_memory`).
   */
  shrinkMemory(): void {
    this.forgetStatements();
    this.db.pragma("shrink_memory");
  }

  /** Makes every commit so far durable (the log fsynced, then checkpointed into the database file). */
  flush(): void {
    if (!this.durable) return;
    this.db.pragma("wal_checkpoint(PASSIVE)");
  }

  schemaVersion(): number {
    const r = this.db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
    return r.v ?? 0;
  }

  close(): void {
    this.db.close();
  }
}

const PREPARED_MAX = 512;

/** Makes db.prepare return one statement per SQL text (at most PREPARED_MAX kept; then the cache starts over). */
/** Returns a function that forgets the statements kept so far. */
function memoizePrepare(db: Database.Database): () => void {
  const raw = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let st = cache.get(sql);
    if (!st) {
      st = raw(sql);
      if (cache.size >= PREPARED_MAX) cache.clear();
      cache.set(sql, st);
    }
    return st;
  };
  db.prepare = prepare as Database.Database["prepare"];
  return () => cache.clear();
}

let sqliteAddon: object | null | undefined;
/**
 * better-sqlite3's options, handing it its native addon. Left to itself, the package finds the addon
 * through `bindings`, which walks a dozen candidate paths and reads a stack trace to learn where it was
 * called from. The addon is looked for in berth's own node_modules first, then where module resolution
 * finds the package.
 */
function sqliteOptions(): Database.Options {
  if (sqliteAddon === undefined) {
    const addonIn = (pkgDir: string): string => path.join(pkgDir, "build", "Release", "better_sqlite3.node");
    let file = addonIn(path.join(packageRoot(), "node_modules", "better-sqlite3"));
    if (!existsSync(file)) file = addonIn(path.dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json")));
    sqliteAddon = existsSync(file) ? loadAddon<object>(file) : null;
  }
  // the package takes the addon object itself (lib/database.js); its typings name only a path
  return sqliteAddon === null ? {} : { nativeBinding: sqliteAddon as unknown as string };
}
