/**
 * The default MonitorStore: one SQLite file through kysely + better-sqlite3, in WAL mode, on the shared SQL layer
 * (../sql/: reads, and the ingest plan run by ./ingest.ts). Several processes may open the same file.
 *
 * Durability: `synchronous=NORMAL` (default) in WAL mode makes a committed transaction survive a crash of the
 * process (kill -9): the commit is in the WAL file in the OS page cache before `ingest()` resolves, and SQLite
 * recovers it on the next open. Only a power loss or kernel crash can lose the last commits; pass
 * `synchronous: "FULL"` (an fsync per commit) when that matters more than ingest throughput.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ file: ".edge-ml/monitor.db" });
 * await store.ingest(batch, Date.now());
 * await store.close();
 * ```
 */
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { MIGRATIONS, type MonitorDb } from "./migrations.ts";
import { SQLITE_FLAVOR } from "./flavor.ts";
import { createSqliteIngest } from "./ingest.ts";
import { prepareGet } from "./prepared.ts";
import { createSqlAdmin } from "../sql/admin.ts";
import { compactSqlite } from "../sql/retention-run.ts";
import { createSqlAlerts } from "../sql/alerts.ts";
import { createSqlLabels } from "../sql/labels.ts";
import { createProfileReads } from "../sql/profiles.ts";
import { createSqlReads, tokenRecord } from "../sql/reads.ts";
import { createRolloutReads } from "../sql/rollouts.ts";
import { MINUTE_MS, type MonitorStore } from "../contract.ts";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" for tests. Parent folders are created. */
  file: string;
  synchronous?: "NORMAL" | "FULL";
  /**
   * Length of a profile bucket (default a minute): the finest drift step. Shorter buckets (e.g. 5 s for tests and
   * demos) cost rows; a minute must be a whole number of buckets.
   */
  profileBucketMs?: number;
}

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<MonitorStore> {
  if (opts.file !== ":memory:") mkdirSync(dirname(opts.file), { recursive: true });
  const sqlite = new Database(opts.file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`synchronous = ${opts.synchronous ?? "NORMAL"}`);
  // `edge-ml monitor token create` may write while the server runs: wait for the lock instead of failing.
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<MonitorDb>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  const bucketMs = opts.profileBucketMs ?? MINUTE_MS;
  if (!(Number.isInteger(bucketMs) && bucketMs >= 1000 && MINUTE_MS % bucketMs === 0)) {
    await db.destroy();
    throw new RangeError(`profileBucketMs must divide a minute into whole seconds (e.g. 5000, 10000, 60000), got ${bucketMs}`);
  }
  const ingest = createSqliteIngest(db, sqlite, bucketMs);
  // Looked up on every ingest request: prepared once.
  const byHash = prepareGet<{ hash: string }, Parameters<typeof tokenRecord>[0]>(sqlite, ["hash"], (p) =>
    db.selectFrom("tokens").select(["id", "deployment", "prefix", "created_at", "revoked_at"]).where("hash", "=", p.hash),
  );

  return {
    async ingest(batch, receivedAt) {
      return ingest(batch, receivedAt);
    },
    ...createSqlReads(db, SQLITE_FLAVOR),
    async tokenByHash(hash) {
      const row = byHash({ hash });
      return row === undefined ? undefined : tokenRecord(row);
    },
    ...createProfileReads(db, bucketMs),
    ...createSqlLabels(db),
    ...createSqlAlerts(db),
    ...createRolloutReads(db),
    ...createSqlAdmin(db),
    compact: (now, policy) => compactSqlite(db, sqlite, now, policy),
    async close() {
      await db.destroy(); // closes the better-sqlite3 handle: the WAL is checkpointed and the file is clean
    },
  };
}
