/**
 * The part of Cloudflare's D1 binding the monitor uses, typed here so the store needs no @cloudflare/workers-types:
 * a Worker's `env.DB` and miniflare's `getD1Database()` proxy (Node, tests) both fit it.
 *
 * @example
 * ```ts
 * const { results } = await d1.prepare("select count(*) as n from batches").bind().all<{ n: number }>();
 * ```
 */

/** What D1 answers for one statement (`all()`, or one entry of `batch()`). */
export interface D1Result<T = Record<string, unknown>> {
  results: T[];
  success: boolean;
  meta: { changes?: number; last_row_id?: number | null; [key: string]: unknown };
}

export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
}

export interface D1Database {
  prepare(sql: string): D1PreparedStatement;
  /** Runs the statements in order as one implicit transaction: all of them commit, or none (D1's only atomic unit). */
  batch<T = Record<string, unknown>>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
}
