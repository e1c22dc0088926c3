/**
 * Statements built (and type-checked) by kysely, compiled once, and prepared once by better-sqlite3: the token lookup
 * on every ingest request skips kysely's per-query compile and SQLite's per-query prepare, which cost more than the
 * lookup itself.
 *
 * Each value in the query is a placeholder parameter carrying its own name, so the compiled parameter list tells in
 * which order to bind a row's values.
 *
 * @example
 * ```ts
 * const byHash = prepareGet<{ hash: string }, { id: string }>(sqlite, ["hash"], (p) => db.selectFrom("tokens").select("id").where("hash", "=", p.hash));
 * byHash({ hash }); // { id } or undefined
 * ```
 */
import type { Database, Statement } from "better-sqlite3";
import { sql, type Compilable, type RawBuilder } from "kysely";

export type Placeholders<Row> = { [K in keyof Row]: RawBuilder<Row[K]> };

function compile<Row extends Record<string, unknown>>(sqlite: Database, keys: readonly (keyof Row & string)[], build: (p: Placeholders<Row>) => Compilable) {
  const p = Object.fromEntries(keys.map((k) => [k, sql`${k}`])) as unknown as Placeholders<Row>;
  const compiled = build(p).compile();
  const order = compiled.parameters.map((name) => {
    if (typeof name !== "string" || !keys.includes(name)) throw new Error(`unexpected parameter ${String(name)} in ${compiled.sql}`);
    return name as keyof Row;
  });
  const statement: Statement<unknown[]> = sqlite.prepare(compiled.sql);
  return { statement, args: (row: Row) => order.map((k) => row[k]) };
}

/** A read statement returning its first row, or undefined. */
export function prepareGet<Row extends Record<string, unknown>, Out>(
  sqlite: Database,
  keys: readonly (keyof Row & string)[],
  build: (p: Placeholders<Row>) => Compilable,
) {
  const { statement, args } = compile(sqlite, keys, build);
  return (row: Row): Out | undefined => statement.get(...args(row)) as Out | undefined;
}
