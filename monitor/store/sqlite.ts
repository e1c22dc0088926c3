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
import { createSqliteIngest } from "./sqlite-ingest.ts";
import { createSqliteReads } from "./sqlite-reads.ts";
import type { MonitorStore } from "./types.ts";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" for tests. Parent folders are created. */
  file: string;
  synchronous?: "NORMAL" | "FULL";
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
  const reads = createSqliteReads(db, sqlite);
  const ingest = createSqliteIngest(db, sqlite);

  return {
    async ingest(batch, receivedAt) {
      return ingest(batch, receivedAt);
    },
    ...reads,
    async ensureDeployment(name, at) {
      await db.insertInto("deployments").values({ name, created_at: at, last_seen: null, target: null })
        .onConflict((oc) => oc.column("name").doNothing()).execute();
    },
    async insertToken(t) {
      await db.insertInto("tokens").values({ id: t.id, deployment: t.deployment, hash: t.hash, prefix: t.prefix, created_at: t.createdAt, revoked_at: t.revokedAt }).execute();
    },
    async revokeTokens(deploymentOrId, at) {
      const result = await db.updateTable("tokens").set({ revoked_at: at })
        .where((eb) => eb.or([eb("id", "=", deploymentOrId), eb("deployment", "=", deploymentOrId)]))
        .where("revoked_at", "is", null).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async close() {
      await db.destroy(); // closes the better-sqlite3 handle: the WAL is checkpointed and the file is clean
    },
  };
}
