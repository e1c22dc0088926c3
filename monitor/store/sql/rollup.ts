/**
 * The per-window tables that roll up (issue 15, retention): each has an hourly and a daily twin with the same columns,
 * the time column holding the start of the hour (day) instead of the minute (bucket). Compaction (./retention.ts)
 * moves rows from a table to its coarser twin, adding them up, so every count lives in exactly one resolution at a
 * time; reads (`allResolutions`) add up the three tables, so a range reads days where they exist, then hours, then
 * the minute tail. An answer is the un-compacted one when its windows start on, and span whole, stored periods.
 *
 * @example
 * ```ts
 * const rows = await db.selectFrom(allResolutions("minute_counters")).selectAll().where("deployment", "=", "prod").execute();
 * ```
 */
import { type CreateTableBuilder, type Kysely, sql, type Selectable } from "kysely";
import { AGE_BUCKETS_MS, LATENCY_BUCKETS_MS } from "../../../core/schema/telemetry-constants.ts";
import type { SchemaFlavor } from "./flavor.ts";
import type { MonitorDb } from "./tables.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * How a column rolls: grouped by (`key`), floored to the hour or day (`time`), added (`sum`), the larger kept (`max`),
 * or merged as its row's profile cell says (`cell`: min/max cells keep the smaller/larger value, `kind` stays, the rest
 * add; ./profile-cells.ts).
 */
type ColumnKind = "key" | "time" | "sum" | "max" | "cell";
type ColumnType = "text" | "int" | "real";

export interface RolledTable {
  /** The per-window table ingest writes. */
  source: RolledSource;
  hour: string;
  day: string;
  /** Every column in the source's order: how it rolls and its type. */
  columns: readonly (readonly [name: string, kind: ColumnKind, type: ColumnType])[];
  /** The primary key, in the source's order. */
  key: readonly string[];
}

/**
 * The lookup latency and value-age histograms of `minute_lookups` (migration 0009), one column per bucket of the
 * protocol's fixed buckets (+ overflow): one row per view and minute, and sums over a range are column sums.
 */
export const LOOKUP_LATENCY_COLUMNS = Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) => `lat_${i}`);
export const LOOKUP_AGE_COLUMNS = Array.from({ length: AGE_BUCKETS_MS.length + 1 }, (_, i) => `age_${i}`);

const series = [
  ["deployment", "key", "text"],
  ["model", "key", "text"],
  ["version", "key", "text"],
] as const;

/**
 * The per-window tables ingest writes, each with an hourly and a daily twin, as the schema has them after every
 * migration (test/monitor/store/rolled-schema.test.ts holds them equal). Compaction and reads use this; migrations
 * keep their own frozen copies, so a change here needs the migration that makes it.
 */
export const ROLLED_TABLES = [
  {
    source: "minute_counters",
    hour: "hour_counters",
    day: "day_counters",
    columns: [
      ...series,
      ["minute", "time", "int"],
      ["requests", "sum", "int"],
      ["errors", "sum", "int"],
      ["dropped", "sum", "int"],
      ["latency_sum", "sum", "real"],
      ["batches", "sum", "int"],
    ],
    key: ["deployment", "model", "version", "minute"],
  },
  {
    source: "minute_latency",
    hour: "hour_latency",
    day: "day_latency",
    columns: [...series, ["minute", "time", "int"], ["bucket", "key", "int"], ["count", "sum", "int"]],
    key: ["deployment", "model", "version", "minute", "bucket"],
  },
  {
    source: "minute_errors",
    hour: "hour_errors",
    day: "day_errors",
    columns: [...series, ["minute", "time", "int"], ["class", "key", "text"], ["count", "sum", "int"]],
    key: ["deployment", "model", "version", "minute", "class"],
  },
  {
    source: "minute_backends",
    hour: "hour_backends",
    day: "day_backends",
    columns: [...series, ["minute", "time", "int"], ["device", "key", "text"], ["requests", "sum", "int"]],
    key: ["deployment", "model", "version", "minute", "device"],
  },
  {
    source: "minute_rollouts",
    hour: "hour_rollouts",
    day: "day_rollouts",
    columns: [...series, ["minute", "time", "int"], ["arm", "key", "text"], ["mode", "key", "text"], ["requests", "sum", "int"], ["errors", "sum", "int"]],
    key: ["deployment", "model", "minute", "version", "arm", "mode"],
  },
  {
    source: "profile_cells",
    hour: "hour_profile_cells",
    day: "day_profile_cells",
    columns: [
      ...series,
      ["slice_key", "key", "text"],
      ["slice_value", "key", "text"],
      ["bucket", "time", "int"],
      ["feature", "key", "text"],
      ["cell", "key", "text"],
      ["value", "cell", "real"],
    ],
    key: ["deployment", "model", "version", "slice_key", "slice_value", "bucket", "feature", "cell"],
  },
  {
    source: "minute_lookups",
    hour: "hour_lookups",
    day: "day_lookups",
    columns: [
      ...series,
      ["minute", "time", "int"],
      ["view", "key", "text"],
      ["requests", "sum", "int"],
      ["keys", "sum", "int"],
      ["misses", "sum", "int"],
      ["expired", "sum", "int"],
      ["latency_sum", "sum", "real"],
      ...LOOKUP_LATENCY_COLUMNS.map((c) => [c, "sum", "int"] as const),
      ["age_sum", "sum", "real"],
      ["age_max", "max", "real"],
      ...LOOKUP_AGE_COLUMNS.map((c) => [c, "sum", "int"] as const),
    ],
    key: ["deployment", "model", "version", "minute", "view"],
  },
] as const satisfies readonly RolledTable[];

/**
 * Creates table `name` with the columns and primary key of `spec` (a per-window table, or one of its hour/day twins):
 * the DDL migrations 0007 and 0009 share, each from its own frozen copy of the spec.
 */
export async function createRolledTable(db: Kysely<unknown>, f: SchemaFlavor, spec: RolledTable, name: string): Promise<void> {
  const types = { text: "text", int: f.int, real: f.real } as const;
  let table: CreateTableBuilder<string, string> = db.schema.createTable(name);
  for (const [column, , type] of spec.columns) table = table.addColumn(column, types[type], (c) => c.notNull());
  await table
    .addPrimaryKeyConstraint(`${name}_pk`, [...spec.key])
    .$call(f.clustered)
    .execute();
}

export type RolledSource = "minute_counters" | "minute_latency" | "minute_errors" | "minute_backends" | "minute_rollouts" | "profile_cells" | "minute_lookups";

const bySource = new Map<string, RolledTable>(ROLLED_TABLES.map((t) => [t.source, t]));

/**
 * The rows of `table` at every resolution (minute, hour, day) as one table expression, aliased to the source's
 * name so a read only swaps its `selectFrom("minute_counters")` for `selectFrom(allResolutions("minute_counters"))`:
 * each count is in exactly one of them, so sums over a range are the un-compacted sums. Both SQLite and Postgres
 * push the outer WHERE into each arm of the UNION ALL, so each arm is a range scan of its primary key.
 */
export function allResolutions<T extends RolledSource, A extends string = T>(table: T, alias?: A) {
  const spec = bySource.get(table)!;
  const columns = sql.join(spec.columns.map((c) => sql.ref(c[0])));
  const arm = (name: string) => sql`select ${columns} from ${sql.table(name)}`;
  return sql<Selectable<MonitorDb[T]>>`(${arm(table)} union all ${arm(spec.hour)} union all ${arm(spec.day)})`.as((alias ?? table) as A);
}
