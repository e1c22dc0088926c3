/**
 * Feature lookups in every SQL store (issue 16, migration 0009): what the ingest plan writes for a batch's `lookups`
 * (one `minute_lookups` row per view, upserts that add, the oldest age kept by the flavor's greatest) and the reads
 * that sum the rows over a range (per model version and view) or over all time (for `/metrics`).
 *
 * The ingest plan (./ingest-plan.ts) owns the statement's guard and chunking: `lookupUpsert` gives it the table, the
 * columns, the rows and the conflict clause, as its `insertRows` takes them.
 *
 * @example
 * ```ts
 * const up = lookupUpsert(batch, [deployment, model, version, minute], flavor);
 * if (up !== undefined) insertRows(up.table, up.cols, up.rows, up.conflict);
 * const rows = await createLookupReads(db).lookups({ deployment: "prod", from, to });
 * ```
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import type { LookupRow, LookupTotalsRow, MonitorStore } from "../contract.ts";
import type { SchemaFlavor } from "./flavor.ts";
import { num } from "./num.ts";
import { addSet, type Col, type Value } from "./rows.ts";
import { allResolutions, LOOKUP_AGE_COLUMNS, LOOKUP_LATENCY_COLUMNS } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";

const TABLE = "minute_lookups";
/** Every column that adds up, in the table's order (all but the key and age_max). */
const SUMS = ["requests", "keys", "misses", "expired", "latency_sum", ...LOOKUP_LATENCY_COLUMNS, "age_sum", ...LOOKUP_AGE_COLUMNS];
const COLS: readonly Col[] = [
  ["deployment", "text"],
  ["model", "text"],
  ["version", "text"],
  ["minute", "int"],
  ["view", "text"],
  ["requests", "int"],
  ["keys", "int"],
  ["misses", "int"],
  ["expired", "int"],
  ["latency_sum", "real"],
  ...LOOKUP_LATENCY_COLUMNS.map((c): Col => [c, "int"]),
  ["age_sum", "real"],
  ["age_max", "real"],
  ...LOOKUP_AGE_COLUMNS.map((c): Col => [c, "int"]),
];
const KEY = ["deployment", "model", "version", "minute", "view"];

interface LookupUpsert {
  table: string;
  cols: readonly Col[];
  rows: (readonly Value[])[];
  conflict: () => RawBuilder<unknown>;
}

/**
 * The `minute_lookups` rows of a batch (one per view) at `at` = [deployment, model, version, minute], with the upsert
 * that adds them to the stored minute; undefined when the batch carries no lookups.
 */
export function lookupUpsert(batch: TelemetryBatch, at: readonly Value[], f: SchemaFlavor): LookupUpsert | undefined {
  const views = Object.entries(batch.lookups ?? {});
  if (views.length === 0) return undefined;
  const rows = views.map(([view, v]): Value[] => [
    ...at,
    view,
    v.requests,
    v.keys,
    v.misses,
    v.expired,
    v.latency.sum,
    ...v.latency.counts,
    v.age.sum,
    v.age.max,
    ...v.age.counts,
  ]);
  const conflict = () =>
    sql`on conflict (${sql.join(KEY.map((k) => sql.ref(k)))}) do update set ${addSet(TABLE, SUMS)}, ${sql.ref("age_max")} = ${f.greatest(sql.ref(`${TABLE}.age_max`), sql.ref("excluded.age_max"))}`;
  return { table: TABLE, cols: COLS, rows, conflict };
}

type Summed = Record<string, unknown>;

/** `sum(c) as c` for every added column, `max(age_max)`: the row of one group over any resolution. */
const aggregates = () => [...SUMS.map((c) => sql`sum(${sql.ref(c)})`.as(c)), sql`max(${sql.ref("age_max")})`.as("age_max")];

function lookupRow(r: Summed): Omit<LookupRow, "model" | "version" | "view"> {
  return {
    requests: num(r["requests"]),
    keys: num(r["keys"]),
    misses: num(r["misses"]),
    expired: num(r["expired"]),
    latencySum: num(r["latency_sum"]),
    latency: LOOKUP_LATENCY_COLUMNS.map((c) => num(r[c])),
    ageSum: num(r["age_sum"]),
    age: LOOKUP_AGE_COLUMNS.map((c) => num(r[c])),
    ageMax: num(r["age_max"]),
  };
}

export function createLookupReads(db: Kysely<MonitorDb>): Pick<MonitorStore, "lookups"> & { lookupTotals(): Promise<LookupTotalsRow[]> } {
  return {
    async lookups({ deployment, from, to }) {
      const rows = await db
        .selectFrom(allResolutions(TABLE))
        .select(["model", "version", "view", ...aggregates()])
        .where("deployment", "=", deployment)
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy(["model", "version", "view"])
        .execute();
      return rows
        .map((r): LookupRow => ({ model: r.model, version: r.version, view: r.view, ...lookupRow(r as Summed) }))
        .sort((a, b) => a.model.localeCompare(b.model) || a.version.localeCompare(b.version, undefined, { numeric: true }) || a.view.localeCompare(b.view));
    },

    async lookupTotals() {
      const rows = await db
        .selectFrom(allResolutions(TABLE))
        .select(["deployment", "model", "version", "view", ...aggregates()])
        .groupBy(["deployment", "model", "version", "view"])
        .orderBy("deployment")
        .orderBy("model")
        .orderBy("version")
        .orderBy("view")
        .execute();
      return rows.map((r): LookupTotalsRow => ({ deployment: r.deployment, model: r.model, version: r.version, view: r.view, ...lookupRow(r as Summed) }));
    },
  };
}
