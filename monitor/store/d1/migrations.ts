/**
 * The monitor's shared migrations (monitor/store/sql/migrations.ts, SQLite flavor: D1 is SQLite) applied to a D1
 * database at first use, one migration per `d1.batch()`.
 *
 * kysely's Migrator cannot give D1 what it gives SQLite: it runs a migration's statements one by one (D1 has no
 * transaction to put them in), so a Worker stopped halfway would leave half a migration behind and a re-run failing
 * on "table already exists". Instead each migration's `up()` runs against a kysely whose driver answers reads from
 * the database (0006 reads the old profiles it moves) and only collects every write and DDL statement; those are sent
 * as ONE batch that starts with the insert of the migration's name into `kysely_migration`: it applies whole or not at
 * all, and two isolates starting at once cannot both apply it (the second batch fails on the name's primary key and
 * rolls back; that isolate then finds it applied). The history table is kysely's own, so the database records the same
 * migration names as the SQLite store's.
 *
 * Why not `wrangler d1 migrations apply`: the same list would have to be exported as .sql files and kept in step, a
 * deploy (and every local dev database, and the tests) would need that extra step, and a Worker deployed before it
 * would serve against a missing schema. Here the first request of an isolate checks one small table.
 *
 * @example
 * ```ts
 * await migrateD1(env.DB); // ["0001_initial", ...] on a fresh database, [] after
 * ```
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  Kysely,
  type Migration,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { monitorMigrations } from "../sql/migrations.ts";
import { SQLITE_FLAVOR } from "../sqlite/flavor.ts";
import type { D1Database } from "./binding.ts";
import { d1Dialect, runBatch } from "./driver.ts";

const HISTORY = [
  `create table if not exists "kysely_migration" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null)`,
  `create table if not exists "kysely_migration_lock" ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null)`,
];

/**
 * The writes and DDL a migration's `up()` runs, compiled for SQLite and not executed; its reads are answered by `read`
 * (the database as it is before the migration).
 */
async function migrationStatements(migration: Migration, read: (q: CompiledQuery) => Promise<QueryResult<unknown>>): Promise<CompiledQuery[]> {
  const recorded: CompiledQuery[] = [];
  const connection: DatabaseConnection = {
    async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
      if (SelectQueryNode.is(q.query)) return (await read(q)) as QueryResult<R>;
      recorded.push(q);
      return { rows: [] };
    },
    // biome-ignore lint/correctness/useYield: nothing is executed, so nothing streams.
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error("a migration that streams a query cannot be recorded");
    },
  };
  const db = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => ({
        init: async () => {},
        acquireConnection: async () => connection,
        beginTransaction: async () => {},
        commitTransaction: async () => {},
        rollbackTransaction: async () => {},
        releaseConnection: async () => {},
        destroy: async () => {},
      }),
      createQueryCompiler: () => new SqliteQueryCompiler(),
      createIntrospector: (k) => new SqliteIntrospector(k),
    },
  });
  await migration.up(db);
  return recorded;
}

/** Names of the migrations applied, the history tables created first when missing. */
async function appliedNames(d1: D1Database): Promise<Set<string>> {
  const read = () => d1.prepare(`select "name" from "kysely_migration"`).bind().all<{ name: string }>();
  const { results } = await read().catch(async () => {
    await runBatch(
      d1,
      HISTORY.map((sql) => ({ sql, parameters: [] })),
    );
    return read();
  });
  return new Set(results.map((r) => r.name));
}

async function migrateOnce(d1: D1Database, now: () => number): Promise<string[]> {
  const applied = await appliedNames(d1);
  const reader = await d1Dialect(d1).createDriver().acquireConnection();
  const ran: string[] = [];
  // Migrations are collected into one batch until one of them reads: then what is collected is applied first, so
  // the read sees the tables it expects. A fresh database takes two or three batches instead of one per migration.
  let pending: Pick<CompiledQuery, "sql" | "parameters">[] = [];
  let pendingNames: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const [queries, names] = [pending, pendingNames];
    [pending, pendingNames] = [[], []];
    await runBatch(d1, queries);
    ran.push(...names);
  };
  const read = async (q: CompiledQuery) => {
    await flush();
    return reader.executeQuery(q);
  };
  for (const [name, migration] of Object.entries(monitorMigrations(SQLITE_FLAVOR)).sort(([a], [b]) => a.localeCompare(b))) {
    if (applied.has(name)) continue;
    const statements = await migrationStatements(migration, read);
    pending.push(
      { sql: `insert into "kysely_migration" ("name", "timestamp") values (?, ?)`, parameters: [name, new Date(now()).toISOString()] },
      ...statements,
    );
    pendingNames.push(name);
  }
  await flush();
  return ran;
}

/** Apply the migrations this database has not recorded yet, in order; returns their names. */
export async function migrateD1(d1: D1Database, now: () => number = Date.now): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(d1, now);
    } catch (error) {
      // Another isolate applied a migration meanwhile: our batch (which starts with the insert of its name) rolled
      // back on the name's key. Start again from what is recorded now; a real failure fails the same way again.
      if (attempt >= 3) throw error;
    }
  }
}
