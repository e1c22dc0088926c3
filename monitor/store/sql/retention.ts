/**
 * Compaction as a list of SQL statements (issue 15, retention): roll per-minute rows older than the policy's horizon
 * into hours, hours into days (GROUP BY with upserts that add, least/greatest for minima and maxima such as the oldest
 * looked-up value's age), delete what was
 * rolled, delete expired days, samples and labels. A store runs the whole list atomically: SQLite in one IMMEDIATE
 * transaction, D1 as one `batch()`, Postgres in one transaction. Horizons are whole hours (days) in UTC, computed
 * from `now` once, so the statements only ever move closed periods.
 *
 * Never double counts: on SQLite and D1 the list runs under the database's single write lock, so nothing (another
 * compaction, an ingest adding to an old minute) interleaves between the INSERT ... SELECT and its DELETE; a second
 * run finds nothing left to roll. On Postgres each move is one statement, `WITH moved AS (DELETE ... RETURNING)
 * INSERT ... SELECT FROM moved`: only the row versions this statement deleted are added, so a concurrent compaction
 * (or a late batch updating a minute being moved) can neither be added twice nor lost.
 *
 * @example
 * ```ts
 * const steps = compactionPlan(db, Date.now(), policy, SQLITE_FLAVOR, "insert-then-delete");
 * for (const s of steps) await tx.executeQuery(s.query); // inside one transaction (or one D1 batch)
 * ```
 */
import { sql, type CompiledQuery, type Kysely, type RawBuilder } from "kysely";
import type { CompactionPolicy } from "../contract.ts";
import type { SchemaFlavor } from "./flavor.ts";
import { DAY_MS, HOUR_MS, ROLLED_TABLES, type RolledTable } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";

/**
 * How a store's SQL moves rows: `insert-then-delete` (SQLite, D1: two statements under the write lock) or
 * `delete-returning` (Postgres: one statement whose INSERT reads the rows its DELETE returned).
 */
type MoveStyle = "insert-then-delete" | "delete-returning";

/** One statement of a compaction, named for logs (e.g. "minute_counters → hour_counters"). */
interface CompactionStep {
  step: string;
  query: CompiledQuery;
}

function move(spec: RolledTable, from: string, to: string, periodMs: number, before: number, style: MoveStyle, f: SchemaFlavor): RawBuilder<unknown>[] {
  const id = (name: string) => sql.ref(name);
  const time = spec.columns.find((c) => c[1] === "time")![0];
  // Integer division by a literal: a bound JS number would be REAL in SQLite and make `/` a float division.
  const period = sql`(${id(time)} / ${sql.lit(periodMs)}) * ${sql.lit(periodMs)}`;
  const keys = spec.columns.filter((c) => c[1] === "key").map((c) => id(c[0]));
  // A profile cell merges as its `cell` says (./profile-cells.ts): the same rule as ingest's upsert, grouped.
  const cell = id("cell");
  const select = spec.columns.map(([name, kind]) => {
    if (kind === "key") return id(name);
    if (kind === "time") return sql`${period} as ${id(name)}`;
    const v = id(name);
    if (kind === "sum") return sql`sum(${v}) as ${v}`;
    if (kind === "max") return sql`max(${v}) as ${v}`;
    return sql`case ${cell} when 'min' then min(${v}) when 'max' then max(${v}) when 'kind' then max(${v}) else sum(${v}) end as ${v}`;
  });
  const set = spec.columns
    .filter((c) => c[1] === "sum" || c[1] === "max" || c[1] === "cell")
    .map(([name, kind]) => {
      const mine = sql.ref(`${to}.${name}`);
      const theirs = sql.ref(`excluded.${name}`);
      if (kind === "sum") return sql`${id(name)} = ${mine} + ${theirs}`;
      if (kind === "max") return sql`${id(name)} = ${f.greatest(mine, theirs)}`;
      return sql`${id(name)} = case ${sql.ref("excluded.cell")} when 'min' then ${f.least(mine, theirs)} when 'max' then ${f.greatest(mine, theirs)} when 'kind' then ${mine} else ${mine} + ${theirs} end`;
    });
  const columns = sql.join(spec.columns.map((c) => id(c[0])));
  const upsert = (source: RawBuilder<unknown>, where: RawBuilder<unknown>) =>
    sql`insert into ${sql.table(to)} (${columns}) select ${sql.join(select)} from ${source} ${where} group by ${sql.join([...keys, period])} on conflict (${sql.join(spec.key.map(id))}) do update set ${sql.join(set)}`;
  if (style === "delete-returning") {
    const moved = sql`with moved as (delete from ${sql.table(from)} where ${id(time)} < ${before} returning ${columns}) `;
    return [sql`${moved}${upsert(sql`moved`, sql``)}`];
  }
  // SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (else `on` parses as a join), which this has.
  return [upsert(sql.table(from), sql`where ${id(time)} < ${before}`), sql`delete from ${sql.table(from)} where ${id(time)} < ${before}`];
}

/** The start of the period (hour, day) `ms` before `now`: only periods that ended by then roll. */
const floorTo = (t: number, periodMs: number) => Math.floor(t / periodMs) * periodMs;

/**
 * The statements of one compaction at `now`, in order: minutes into hours, hours into days (so a minute old enough
 * for days passes through hours in the same run), expired days, samples, labels. Empty when the policy keeps all.
 */
export function compactionPlan(
  db: Kysely<MonitorDb>,
  now: number,
  policy: CompactionPolicy,
  flavor: SchemaFlavor,
  style: MoveStyle,
  tables: readonly RolledTable[] = ROLLED_TABLES,
): CompactionStep[] {
  const steps: CompactionStep[] = [];
  const add = (step: string, q: RawBuilder<unknown>) => steps.push({ step, query: q.compile(db) });
  if (policy.minutes !== null) {
    const before = floorTo(now - policy.minutes, HOUR_MS);
    for (const t of tables) for (const q of move(t, t.source, t.hour, HOUR_MS, before, style, flavor)) add(`${t.source} → ${t.hour}`, q);
  }
  if (policy.hours !== null) {
    const before = floorTo(now - policy.hours, DAY_MS);
    for (const t of tables) for (const q of move(t, t.hour, t.day, DAY_MS, before, style, flavor)) add(`${t.hour} → ${t.day}`, q);
  }
  if (policy.days !== null) {
    const before = floorTo(now - policy.days, DAY_MS);
    for (const t of tables) {
      const time = t.columns.find((c) => c[1] === "time")![0];
      add(`${t.day} expired`, sql`delete from ${sql.table(t.day)} where ${sql.ref(time)} < ${before}`);
    }
  }
  if (policy.samples !== null) add("samples expired", sql`delete from samples where ts < ${now - policy.samples}`);
  if (policy.labels !== null) add("labels expired", sql`delete from labels where received_at < ${now - policy.labels}`);
  return steps;
}
