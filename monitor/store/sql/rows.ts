/**
 * Building blocks of the ingest plan's statements. Rows travel as a CTE `v(cols)`: on SQLite and D1 a VALUES list
 * (`with v(cols) as (values ...)`; SQLite has no column list on a VALUES subquery), every value cast to its column
 * type, split so no statement binds more than `maxParams` parameters (D1 allows 100); on Postgres
 * (`flavor.columnArrays`) one array per column, `select * from unnest(cast($1 as text[]), ...)`, whatever the row count
 * (`rowGroups`, `rowValues` and `rowsCte` pick the form from the flavor).
 *
 * Compiling with kysely costs more than running the statement, and a statement's text depends only on its shape (the
 * table, how many rows), not on its values. So a statement is written once per shape with each value replaced by its
 * index in a flat array, compiled once per dialect, and kept: the compiled parameter list says which value goes where.
 *
 * @example
 * ```ts
 * const q = statement(db, "touch:2", ["a", "b"], (i) => sql`select ${i(0)}, ${i(1)}`); // CompiledQuery
 * ```
 */
import { CompiledQuery, sql, type Kysely, type RawBuilder } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";
import type { MonitorDb } from "./tables.ts";

/** A column of a VALUES list: its name and the type its parameters are cast to. */
export type Col = readonly [name: string, type: "int" | "real" | "text"];

export type Value = string | number | null;
/** A bound value: one cell, or (column arrays) one column's cells. */
export type Param = Value | readonly Value[];

/** Marks where value `i` of the flat array is bound. */
export type Slot = (i: number) => RawBuilder<unknown>;

const slot: Slot = (i) => sql`${i}`;

const compiled = new WeakMap<Kysely<MonitorDb>, Map<string, { sql: string; order: number[] }>>();

/** Compile `build` once per (db, shape) and bind `values` by index. `shape` must determine the SQL text. */
export function statement(db: Kysely<MonitorDb>, shape: string, values: readonly Param[], build: (i: Slot) => RawBuilder<unknown>): CompiledQuery {
  let cache = compiled.get(db);
  if (cache === undefined) compiled.set(db, (cache = new Map()));
  let c = cache.get(shape);
  if (c === undefined) {
    const q = build(slot).compile(db);
    c = { sql: q.sql, order: q.parameters.map((p) => p as number) };
    cache.set(shape, c);
  }
  return CompiledQuery.raw(
    c.sql,
    c.order.map((i) => values[i]),
  );
}

export function cast(f: SchemaFlavor, v: RawBuilder<unknown>, type: Col[1]): RawBuilder<unknown> {
  const t = type === "text" ? "text" : type === "int" ? f.int : f.real;
  return sql`cast(${v} as ${sql.raw(String(t))})`;
}

/** `name(c1, c2) as (values (...), (...))` over `rows` rows of the flat values from index `first`. */
function valuesCte(f: SchemaFlavor, name: string, cols: readonly Col[], rows: number, first: number, i: Slot): RawBuilder<unknown> {
  const header = sql.join(cols.map(([c]) => sql.ref(c)));
  const values = sql.join(Array.from({ length: rows }, (_, r) => sql`(${sql.join(cols.map(([, type], c) => cast(f, i(first + r * cols.length + c), type)))})`));
  return sql`${sql.ref(name)}(${header}) as (values ${values})`;
}

/** `name(c1, c2) as (select * from unnest(...))`: one array of the flat values per column, from index `first`. */
function arraysCte(f: SchemaFlavor, name: string, cols: readonly Col[], first: number, i: Slot): RawBuilder<unknown> {
  const header = sql.join(cols.map(([c]) => sql.ref(c)));
  const arrays = sql.join(
    cols.map(([, type], c) => sql`cast(${i(first + c)} as ${sql.raw(`${type === "text" ? "text" : type === "int" ? f.int : f.real}[]`)})`),
  );
  return sql`${sql.ref(name)}(${header}) as (select * from unnest(${arrays}))`;
}

/** The CTE `name(cols)` over `rows` rows whose values start at index `first` (their form: `rowValues`). */
export function rowsCte(f: SchemaFlavor, name: string, cols: readonly Col[], rows: number, first: number, i: Slot): RawBuilder<unknown> {
  return f.columnArrays ? arraysCte(f, name, cols, first, i) : valuesCte(f, name, cols, rows, first, i);
}

/** The bound values of a group of rows: one array per column (column arrays), or the rows' cells in order. */
export function rowValues(f: SchemaFlavor, width: number, rows: readonly (readonly Value[])[]): Param[] {
  return f.columnArrays ? Array.from({ length: width }, (_, c) => rows.map((r) => r[c] ?? null)) : rows.flat();
}

/** The groups of rows that each make one statement, and the shape key of a group (it must determine the SQL text). */
export function rowGroups<T>(f: SchemaFlavor, rows: readonly T[], width: number, fixed: number, maxParams: number): { rows: T[]; shape: string }[] {
  if (f.columnArrays) return [{ rows: [...rows], shape: "arrays" }];
  return chunks(rows, width, fixed, maxParams).map((c) => ({ rows: c, shape: String(c.length) }));
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
