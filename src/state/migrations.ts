import type Database from "better-sqlite3";
import { snapshotsMigration } from "./migrations/0001-snapshots.js";
import { imagesMigration } from "./migrations/0002-images.js";
import { containersMigration } from "./migrations/0003-containers.js";
import { buildCacheMigration } from "./migrations/0004-build-cache.js";
import { volumesMigration } from "./migrations/0005-volumes.js";
import { networksMigration } from "./migrations/0006-networks.js";
import { distributionMigration } from "./migrations/0007-distribution.js";

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Every schema change, in order. Never edit an applied migration: add a new one. */
export const migrations: readonly Migration[] = [snapshotsMigration, imagesMigration, containersMigration, buildCacheMigration, volumesMigration, networksMigration, distributionMigration];
