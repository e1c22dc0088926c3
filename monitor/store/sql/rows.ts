/**
 * Building blocks of portable multi-row statements: rows as a `with v(cols) as (values ...)` CTE (SQLite, D1 and
 * Postgres all read it; SQLite has no column list on a VALUES subquery), every value cast to its column type (Postgres
 * types an untyped parameter in VALUES as text), and rows split so no statement binds more than `maxParams`
 * parameters (D1 allows 100).
 *
 * @example
 * ```ts
 * for (const chunk of chunks(rows, 3, 2, 100)) sql`with ${valuesCte("v", cols, chunk)} insert into t select * from v where true`;
 * ```
 */
import { sql, type RawBuilder } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

/** A column of a VALUES list: its name and the type its parameters are cast to. */
export type Col = readonly [name: string, type: "int" | "real" | "text"];

export type Value = string | number | null;

function cast(f: SchemaFlavor, v: Value, type: Col[1]): RawBuilder<unknown> {
  const t = type === "text" ? "text" : type === "int" ? f.int : f.real;
  return sql`cast(${v} as ${sql.raw(String(t))})`;
}

/** `name(c1, c2) as (values (...), (...))`. */
export function valuesCte(f: SchemaFlavor, name: string, cols: readonly Col[], rows: readonly (readonly Value[])[]): RawBuilder<unknown> {
  const header = sql.join(cols.map(([c]) => sql.ref(c)));
  const values = sql.join(rows.map((r) => sql`(${sql.join(r.map((v, i) => cast(f, v, cols[i]![1])))})`));
  return sql`${sql.ref(name)}(${header}) as (values ${values})`;
}

/** Split rows of `width` parameters each into groups that fit `maxParams` beside `fixed` other parameters. */
export function chunks<T>(rows: readonly T[], width: number, fixed: number, maxParams: number): T[][] {
  const per = Math.max(1, Math.floor((maxParams - fixed) / width));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

/** `column = table.column + excluded.column` for each column: upserts that add. */
export function addSet(table: string, columns: readonly string[]): RawBuilder<unknown> {
  return sql.join(columns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`));
}
