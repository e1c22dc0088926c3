/**
 * The default MonitorStore: one SQLite file through kysely + better-sqlite3, in WAL mode.
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
import { createSqliteAlerts } from "./alerts.ts";
import { createSqliteIngest } from "./ingest.ts";
import { createSqliteLabels } from "./labels.ts";
import { createProfileReads } from "./profiles.ts";
import { createSqliteReads } from "./reads.ts";
import { createRolloutReads } from "./rollouts.ts";
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
  const reads = createSqliteReads(db, sqlite);
  const ingest = createSqliteIngest(db, sqlite, bucketMs);

  return {
    async ingest(batch, receivedAt) {
      return ingest(batch, receivedAt);
    },
    ...reads,
    ...createProfileReads(db, bucketMs),
    ...createSqliteLabels(db, sqlite),
    ...createSqliteAlerts(db),
    ...createRolloutReads(db),
    async ensureDeployment(name, at) {
      await db
        .insertInto("deployments")
        .values({ name, created_at: at, last_seen: null, target: null })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
    },
    async insertToken(t) {
      await db
        .insertInto("tokens")
        .values({ id: t.id, deployment: t.deployment, hash: t.hash, prefix: t.prefix, created_at: t.createdAt, revoked_at: t.revokedAt })
        .execute();
    },
    async recordRefusal(r) {
      const row = { deployment: r.deployment, at: r.at, status: r.status, code: r.code, reason: r.reason, token_id: r.tokenId };
      const { deployment: _d, ...rest } = row;
      await db
        .insertInto("refusals")
        .values(row)
        .onConflict((oc) => oc.column("deployment").doUpdateSet(rest))
        .execute();
    },
    async revokeTokens(deploymentOrId, at) {
      const result = await db
        .updateTable("tokens")
        .set({ revoked_at: at })
        .where((eb) => eb.or([eb("id", "=", deploymentOrId), eb("deployment", "=", deploymentOrId)]))
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async close() {
      await db.destroy(); // closes the better-sqlite3 handle: the WAL is checkpointed and the file is clean
    },
  };
}
