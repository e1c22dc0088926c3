/**
 * A kysely dialect over a D1 binding: SQLite's query compiler and adapter, and a driver whose one "connection" sends
 * each compiled query through `d1.prepare(sql).bind(...).all()`. D1 has no interactive transactions (a Worker cannot
 * hold one open across awaits), so `db.transaction()` is refused; atomic work goes through `runBatch` (`d1.batch()`).
 *
 * Why not the `kysely-d1` package: it is this same prepare/bind/all loop, but its types import
 * @cloudflare/workers-types (not a dependency here), it passes `undefined` and bigint parameters through to D1 (which
 * refuses them), and it has no batch, which the ingest needs anyway.
 *
 * @example
 * ```ts
 * const db = new Kysely<MonitorDb>({ dialect: d1Dialect(env.DB) });
 * await runBatch(env.DB, [db.insertInto("deployments").values(row).compile()]);
 * ```
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import type { D1Database, D1PreparedStatement, D1Result } from "./binding.ts";

/** D1 binds null, numbers, strings, booleans and bytes; kysely may hand over undefined or a bigint. */
function d1Value(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** A compiled query as a D1 statement. */
function d1Statement(d1: D1Database, q: Pick<CompiledQuery, "sql" | "parameters">): D1PreparedStatement {
  return d1.prepare(q.sql).bind(...q.parameters.map(d1Value));
}

function queryResult<R>(r: D1Result): QueryResult<R> {
  const changes = r.meta.changes ?? 0;
  const lastId = r.meta.last_row_id;
  return {
    rows: (r.results ?? []) as R[],
    numAffectedRows: BigInt(changes),
    ...(changes > 0 && lastId !== undefined && lastId !== null ? { insertId: BigInt(lastId) } : {}),
  };
}

/** Run compiled queries as one D1 batch: every statement commits, or none does. Results in statement order. */
export async function runBatch(d1: D1Database, queries: readonly Pick<CompiledQuery, "sql" | "parameters">[]): Promise<QueryResult<Record<string, unknown>>[]> {
  if (queries.length === 0) return [];
  const results = await d1.batch(queries.map((q) => d1Statement(d1, q)));
  return results.map((r) => queryResult(r));
}

class D1Connection implements DatabaseConnection {
  constructor(private readonly d1: D1Database) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return queryResult<R>(await d1Statement(this.d1, q).all());
  }

  // biome-ignore lint/correctness/useYield: D1 answers whole result sets; there is nothing to stream.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("D1 does not stream query results");
  }
}

const noTransactions = () => Promise.reject(new Error("D1 has no interactive transactions: run the statements as one batch (runBatch)"));

class D1Driver implements Driver {
  private readonly connection: D1Connection;
  constructor(d1: D1Database) {
    this.connection = new D1Connection(d1);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  beginTransaction = noTransactions;
  commitTransaction = noTransactions;
  rollbackTransaction = noTransactions;
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

export function d1Dialect(d1: D1Database): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new D1Driver(d1),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}
