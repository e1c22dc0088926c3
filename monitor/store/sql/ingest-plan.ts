/**
 * The monitor's SQL layer (monitor/store/sql/): everything a SQL store (SQLite, D1, Postgres) shares, written once on
 * kysely so it runs on any dialect. A store is a connection, a flavor (./flavor.ts) and an executor:
 *
 * - schema: `monitorMigrations(flavor)` (./migrations.ts), tables typed in ./tables.ts;
 * - reads: `createSqlReads`, `createProfileReads`, `createSqlLabels`, `createSqlAlerts`, `createRolloutReads`
 *   (./reads.ts, ./profiles.ts, ./labels.ts, ./alerts.ts, ./rollouts.ts) take a `Kysely<MonitorDb>` and return their
 *   part of the MonitorStore; numbers that come back as bigint or numeric strings (Postgres) are converted, JSON is
 *   text parsed in JS, and no statement needs an interactive transaction (D1 has none);
 * - writes of a batch: `ingestPlan(batch, receivedAt, opts)` (this module) compiles every statement that stores one
 *   batch, and the store runs that list as ONE atomic unit: a better-sqlite3 transaction, D1's `batch()`, a Postgres
 *   transaction. The list never needs to branch on an intermediate result.
 *
 * How the plan stays idempotent without branching: its first statement inserts the batch row with a random nonce of
 * this attempt (`on conflict (batch_id) do nothing`); every later statement is an `insert ... select ... where exists
 * (select 1 from batches where batch_id = ? and nonce = ?)`, so when another attempt (another process, another
 * isolate) stored the batch first, each of them writes nothing; the last statement clears the nonce, so even running
 * the same plan twice stores the batch once. The batch was stored by this attempt iff the first statement inserted a
 * row (affected rows = 1); otherwise it is a duplicate.
 *
 * Nothing is read and written back: counters are upserts that add, and profiles are additive cells
 * (./profile-cells.ts) merged by the database (value = value + excluded.value; min/max with the flavor's
 * least/greatest), pre-aggregated per batch in JS (Postgres refuses an INSERT that touches a row twice). A profile
 * whose bins differ from the stored ones is recorded in `profile_conflicts` by one statement and then skipped by the
 * cell inserts (the store may warn when a query of `profileConflicts` affected rows). Multi-row statements bind at most
 * `maxParams` parameters (default 100, D1's limit); on Postgres rows go as one array per column (./rows.ts), and the
 * samples may be left to the store to COPY (`copySamples`).
 *
 * Order matters under concurrent writers: every batch of a deployment updates the same rows (the minute's counters,
 * the bucket's profile cells, the deployment's last_seen), and a transaction holds those row locks from its update to
 * its commit. So the rows no other batch touches (the samples) are written first and the shared ones last, in the
 * same order in every plan (no lock cycles between two plans).
 *
 * @example
 * ```ts
 * const plan = ingestPlan(batch, Date.now(), { db, flavor: SQLITE_FLAVOR, profileBucketMs: 60_000 });
 * const results = await runAtomically(plan.queries); // the store's executor
 * const duplicate = Number(results[0].numAffectedRows) === 0;
 * ```
 */
import { sql, type CompiledQuery, type Kysely, type RawBuilder } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import type { Profile } from "../../../core/stats/profile-schema.ts";
import type { SchemaFlavor } from "./flavor.ts";
import { lookupUpsert } from "./lookups.ts";
import { mergeCell, profileCells } from "./profile-cells.ts";
import { addSet, type Col, cast, type Param, rowGroups, rowsCte, rowValues, type Slot, statement, type Value } from "./rows.ts";
import type { MonitorDb } from "./tables.ts";

const MINUTE_MS = 60_000;
const MINUTE_KEY = ["deployment", "model", "version", "minute"] as const;

export interface IngestPlanOptions {
  /** Compiles the statements for its dialect (nothing runs; texts are compiled once per shape and kept). */
  db: Kysely<MonitorDb>;
  flavor: SchemaFlavor;
  /** Length of a profile bucket (ms). */
  profileBucketMs: number;
  /** The attempt's nonce (default a random UUID): build a new plan for every attempt. */
  nonce?: string;
  /** Most bound parameters per statement (default 100, D1's limit). */
  maxParams?: number;
  /**
   * Leave the sample rows out of the statements and return them as `plan.copy`, for a store that streams them with
   * COPY (Postgres): in their place the plan selects the ids the rows reference.
   */
  copySamples?: boolean;
}

/** The sample rows of a plan made with `copySamples`, for `copy samples (columns) from stdin`. */
export interface SampleCopy {
  /**
   * Index of the query that selects `deployment_id, series_id, batch_ref` for the rows: run the queries up to and
   * including it, then COPY the rows (each prefixed by those three ids), then the rest. No row selected: the batch
   * row is not this attempt's (a duplicate), and nothing is copied.
   */
  at: number;
  /** The samples table's columns in COPY order: the three ids, then one per row cell. */
  columns: readonly string[];
  rows: readonly (readonly Value[])[];
}

export interface IngestPlan {
  nonce: string;
  /** Run in order as one atomic unit; queries[0] inserts the batch row (0 affected rows: a duplicate). */
  queries: CompiledQuery[];
  /** Indexes of the queries that record profiles not merged (bins differ from the stored ones): rows affected → warn. */
  profileConflicts: number[];
  /** Present when the plan was made with `copySamples` and the batch has samples. */
  copy?: SampleCopy;
}

type Row = readonly Value[];

const ref = sql.ref;
const refs = (names: readonly string[]) => sql.join(names.map((n) => ref(n)));
/** The guard of every statement after the first: the batch row holds this attempt's nonce (values g and g + 1). */
const guard = (i: Slot, g: number) => sql`exists (select 1 from ${ref("batches")} where ${ref("batch_id")} = ${i(g)} and ${ref("nonce")} = ${i(g + 1)})`;

const BATCH_COLS: Col[] = [
  ["batch_id", "text"],
  ["deployment", "text"],
  ["model", "text"],
  ["version", "text"],
  ["target", "text"],
  ["window_start", "int"],
  ["window_end", "int"],
  ["received_at", "int"],
  ["requests", "int"],
  ["samples", "int"],
  ["dropped", "int"],
  ["nonce", "text"],
];
const KEY_COLS: Col[] = [
  ["deployment", "text"],
  ["model", "text"],
  ["version", "text"],
  ["minute", "int"],
];
const SAMPLE_COLS: Col[] = [
  ["ts", "int"],
  ["request_id", "text"],
  ["idx", "int"],
  ["latency_ms", "real"],
  ["status", "int"],
  ["error", "text"],
  ["features", "text"],
  ["prediction", "text"],
  ["slices", "text"],
];
const SHAPE_COLS: Col[] = [
  ["slice_key", "text"],
  ["slice_value", "text"],
  ["feature", "text"],
  ["value", "real"],
];
const CELL_COLS: Col[] = [...SHAPE_COLS.slice(0, 3), ["cell", "text"], ["value", "real"]];
const CELL_KEY = ["deployment", "model", "version", "slice_key", "slice_value", "bucket", "feature", "cell"];

export function ingestPlan(batch: TelemetryBatch, receivedAt: number, opts: IngestPlanOptions): IngestPlan {
  const { db, flavor: f } = opts;
  const nonce = opts.nonce ?? crypto.randomUUID();
  const maxParams = opts.maxParams ?? 100;
  const {
    deployment,
    model: { name: model, version },
    batchId,
  } = batch;
  const c = batch.counters;
  const queries: CompiledQuery[] = [];
  const profileConflicts: number[] = [];
  let copy: SampleCopy | undefined;
  const push = (shape: string, values: readonly Param[], build: (i: Slot) => RawBuilder<unknown>) => queries.push(statement(db, shape, values, build));

  /** `with v(...) as (<rows>) insert into table (...) select ... from v where guard <conflict>` (rows.ts: VALUES, chunked, or column arrays). */
  const insertRows = (table: string, cols: readonly Col[], rows: readonly Row[], conflict: () => RawBuilder<unknown>) => {
    for (const group of rowGroups(f, rows, cols.length, 2, maxParams)) {
      const values = [...rowValues(f, cols.length, group.rows), batchId, nonce];
      push(`rows:${table}:${group.shape}`, values, (i) => {
        const names = refs(cols.map(([n]) => n));
        return sql`with ${rowsCte(f, "v", cols, group.rows.length, 0, i)} insert into ${ref(table)} (${names}) select ${names} from ${ref("v")} where ${guard(i, values.length - 2)} ${conflict()}`;
      });
    }
  };

  const batchRow = [
    batchId,
    deployment,
    model,
    version,
    batch.target,
    batch.window.start,
    batch.window.end,
    receivedAt,
    c.requests,
    batch.samples.length,
    c.dropped,
    nonce,
  ];
  push("batch", batchRow, (i) => {
    const values = sql.join(BATCH_COLS.map(([, type], k) => cast(f, i(k), type)));
    return sql`insert into ${ref("batches")} (${refs(BATCH_COLS.map(([n]) => n))}) values (${values}) on conflict (${ref("batch_id")}) do nothing`;
  });
  insertRows(
    "deployments",
    [
      ["name", "text"],
      ["created_at", "int"],
      ["last_seen", "int"],
      ["target", "text"],
    ],
    [[deployment, receivedAt, receivedAt, batch.target]],
    // No update here: that locks the row, and every batch of the deployment updates it (see `seen` below).
    () => sql`on conflict (${ref("name")}) do nothing`,
  );

  if (batch.samples.length > 0) {
    push("series", [model, version, deployment, batchId, nonce], (i) => {
      const key = refs(["deployment_id", "model", "version"]);
      return sql`insert into ${ref("series")} (${key}) select ${ref("d.id")}, ${cast(f, i(0), "text")}, ${cast(f, i(1), "text")} from ${ref("deployments")} as ${ref("d")} where ${ref("d.name")} = ${i(2)} and ${guard(i, 3)} on conflict (${key}) do nothing`;
    });
    const json = (x: unknown) => (x === undefined ? null : JSON.stringify(x));
    const rows = batch.samples.map(
      (s): Row => [s.ts, s.requestId, s.index ?? null, s.latencyMs, s.status, s.error ?? null, json(s.features), json(s.prediction), json(s.slices)],
    );
    const from = sql`from ${ref("batches")} as ${ref("b")}, ${ref("deployments")} as ${ref("d")}, ${ref("series")} as ${ref("se")}`;
    // The batch row with this attempt's nonce is the guard: no row of it, no samples (values g .. g + 4).
    const where = (i: Slot, g: number) =>
      sql`where ${ref("b.batch_id")} = ${i(g)} and ${ref("b.nonce")} = ${i(g + 1)} and ${ref("d.name")} = ${i(g + 2)} and ${ref("se.deployment_id")} = ${ref("d.id")} and ${ref("se.model")} = ${i(g + 3)} and ${ref("se.version")} = ${i(g + 4)}`;
    const ids = sql`${ref("se.deployment_id")} as ${ref("deployment_id")}, ${ref("se.id")} as ${ref("series_id")}, ${ref("b.id")} as ${ref("batch_ref")}`;
    if (opts.copySamples) {
      push("samples:ids", [batchId, nonce, deployment, model, version], (i) => sql`select ${ids} ${from} ${where(i, 0)}`);
      copy = { at: queries.length - 1, columns: ["deployment_id", "series_id", "batch_ref", ...SAMPLE_COLS.map(([n]) => n)], rows };
    } else {
      for (const group of rowGroups(f, rows, SAMPLE_COLS.length, 5, maxParams)) {
        const values = [...rowValues(f, SAMPLE_COLS.length, group.rows), batchId, nonce, deployment, model, version];
        push(`samples:${group.shape}`, values, (i) => {
          const names = refs(SAMPLE_COLS.map(([n]) => n));
          const fromV = refs(SAMPLE_COLS.map(([n]) => `v.${n}`));
          return sql`with ${rowsCte(f, "v", SAMPLE_COLS, group.rows.length, 0, i)} insert into ${ref("samples")} (${ref("deployment_id")}, ${ref("series_id")}, ${ref("batch_ref")}, ${names})
select ${ids}, ${fromV} ${from}, ${ref("v")} ${where(i, values.length - 5)}`;
        });
      }
    }
  }

  // Counters land in the minute the window ended, by the edge's clock but never in the monitor's future.
  const minute = Math.floor(Math.min(batch.window.end, receivedAt) / MINUTE_MS) * MINUTE_MS;
  const at: Row = [deployment, model, version, minute];
  const errorRows = Object.entries(c.errors).filter((e): e is [string, number] => e[1] !== undefined && e[1] !== 0);
  const errors = errorRows.reduce((a, [, n]) => a + n, 0);
  insertRows(
    "minute_counters",
    [...KEY_COLS, ["requests", "int"], ["errors", "int"], ["dropped", "int"], ["latency_sum", "real"], ["batches", "int"]],
    [[...at, c.requests, errors, c.dropped, c.latency.sum, 1]],
    () => sql`on conflict (${refs(MINUTE_KEY)}) do update set ${addSet("minute_counters", ["requests", "errors", "dropped", "latency_sum", "batches"])}`,
  );
  const latency = c.latency.counts.flatMap((count, bucket): Row[] => (count > 0 ? [[...at, bucket, count]] : []));
  if (latency.length > 0) {
    insertRows(
      "minute_latency",
      [...KEY_COLS, ["bucket", "int"], ["count", "int"]],
      latency,
      () => sql`on conflict (${refs([...MINUTE_KEY, "bucket"])}) do update set ${addSet("minute_latency", ["count"])}`,
    );
  }
  if (errorRows.length > 0) {
    insertRows(
      "minute_errors",
      [...KEY_COLS, ["class", "text"], ["count", "int"]],
      errorRows.map(([cls, n]) => [...at, cls, n]),
      () => sql`on conflict (${refs([...MINUTE_KEY, "class"])}) do update set ${addSet("minute_errors", ["count"])}`,
    );
  }
  const b = batch.backend;
  if (b !== undefined) {
    const device: Col = ["device", "text"];
    if (c.requests > 0) {
      insertRows(
        "minute_backends",
        [...KEY_COLS, device, ["requests", "int"]],
        [[...at, b.device, c.requests]],
        () => sql`on conflict (${refs([...MINUTE_KEY, "device"])}) do update set ${addSet("minute_backends", ["requests"])}`,
      );
    }
    const stored = (col: string) => ref(`backends.${col}`);
    const ex = (col: string) => ref(`excluded.${col}`);
    // A batch that gives no engine or reason keeps the last one given: "why WASM" outlives the next quiet batch.
    insertRows(
      "backends",
      [...KEY_COLS.slice(0, 3), device, ["engine", "text"], ["reason", "text"], ["last_seen", "int"]],
      [[deployment, model, version, b.device, b.engine ?? null, b.reason ?? null, receivedAt]],
      () =>
        sql`on conflict (${refs(["deployment", "model", "version", "device"])}) do update set ${ref("engine")} = coalesce(${ex("engine")}, ${stored("engine")}), ${ref("reason")} = coalesce(${ex("reason")}, ${stored("reason")}), ${ref("last_seen")} = ${f.greatest(stored("last_seen"), ex("last_seen"))}`,
    );
  }
  const r = batch.rollout;
  if (r !== undefined && c.requests > 0) {
    insertRows(
      "minute_rollouts",
      [...KEY_COLS, ["arm", "text"], ["mode", "text"], ["requests", "int"], ["errors", "int"]],
      [[...at, r.arm, r.mode ?? "", c.requests, errors]],
      () =>
        sql`on conflict (${refs(["deployment", "model", "minute", "version", "arm", "mode"])}) do update set ${addSet("minute_rollouts", ["requests", "errors"])}`,
    );
  }
  // Feature lookups per view (issue 16): ./lookups.ts.
  const lookups = lookupUpsert(batch, at, f);
  if (lookups !== undefined) insertRows(lookups.table, lookups.cols, lookups.rows, lookups.conflict);
  if (batch.profile !== undefined) {
    const bucket = Math.floor(Math.min(batch.window.end, receivedAt) / opts.profileBucketMs) * opts.profileBucketMs;
    const target = [deployment, model, version, bucket, batchId, nonce];
    const rows = profileRows(batch.profile);
    profileConflicts.push(...profileQueries(rows, target, f, maxParams, push, () => queries.length));
  }
  // Rows every batch of the deployment updates last: a transaction holds their locks from its update to its commit,
  // and the others wait for it, so the sample rows (written by no one else) go first.
  push("seen", [receivedAt, batch.target, deployment, batchId, nonce], (i) => {
    return sql`update ${ref("deployments")} set ${ref("last_seen")} = ${cast(f, i(0), "int")}, ${ref("target")} = ${cast(f, i(1), "text")} where ${ref("name")} = ${i(2)} and ${guard(i, 3)}`;
  });
  push(
    "done",
    [batchId, nonce],
    (i) => sql`update ${ref("batches")} set ${ref("nonce")} = null where ${ref("batch_id")} = ${i(0)} and ${ref("nonce")} = ${i(1)}`,
  );
  return { nonce, queries, profileConflicts, ...(copy === undefined ? {} : { copy }) };
}

/** One row per (slice, feature, cell): a slice written twice in one batch is added up here, not by the database. */
function profileRows(profile: NonNullable<TelemetryBatch["profile"]>): [string, string, string, string, number][] {
  const cells = new Map<string, [string, string, string, string, number]>();
  const add = (sk: string, sv: string, p: Profile) => {
    for (const c of profileCells(p)) {
      const id = `${sk}\u0000${sv}\u0000${c.feature}\u0000${c.cell}`;
      const prev = cells.get(id);
      cells.set(id, [sk, sv, c.feature, c.cell, prev === undefined ? c.value : mergeCell(c.cell, prev[4], c.value)]);
    }
  };
  add("", "", profile.overall);
  for (const [key, values] of Object.entries(profile.bySlice)) for (const [value, p] of Object.entries(values)) add(key, value, p);
  return [...cells.values()];
}

/**
 * The profile statements; returns the indexes of those that record conflicts. `target` holds deployment, model,
 * version, bucket, batchId, nonce (indexes 0-5 of every statement's values, before its rows).
 */
function profileQueries(
  rows: [string, string, string, string, number][],
  target: readonly Value[],
  f: SchemaFlavor,
  maxParams: number,
  push: (shape: string, values: readonly Param[], build: (i: Slot) => RawBuilder<unknown>) => void,
  next: () => number,
): number[] {
  const conflictQueries: number[] = [];
  const T = target.length;
  const c = (col: string) => ref(`c.${col}`);
  const s = (col: string) => ref(`s.${col}`);
  const v = (col: string) => ref(`v.${col}`);
  // 1. Profiles whose shape (bin count, or categorical) differs from the stored one in this bucket: not merged.
  const shapes = rows.filter((r) => r[3] === "kind").map((r): Row => [r[0], r[1], r[2], r[4]]);
  for (const group of rowGroups(f, shapes, SHAPE_COLS.length, T, maxParams)) {
    conflictQueries.push(next());
    push(`profile-conflicts:${group.shape}`, [...target, ...rowValues(f, SHAPE_COLS.length, group.rows)], (i) => {
      return sql`with ${rowsCte(f, "s", SHAPE_COLS, group.rows.length, T, i)} insert into ${ref("profile_conflicts")} (${refs(["nonce", "slice_key", "slice_value"])})
select distinct ${cast(f, i(5), "text")}, ${s("slice_key")}, ${s("slice_value")} from ${ref("s")} where ${guard(i, 4)} and exists (select 1 from ${ref("profile_cells")} as ${ref("c")}
where ${c("deployment")} = ${i(0)} and ${c("model")} = ${i(1)} and ${c("version")} = ${i(2)} and ${c("bucket")} = ${i(3)}
and ${c("slice_key")} = ${s("slice_key")} and ${c("slice_value")} = ${s("slice_value")} and ${c("feature")} = ${s("feature")} and ${c("cell")} = 'kind' and ${c("value")} <> ${s("value")})
on conflict do nothing`;
    });
  }
  // 2. The cells, added by the database.
  const stored = ref("profile_cells.value");
  const incoming = ref("excluded.value");
  const merge = () =>
    sql`case ${ref("excluded.cell")} when 'min' then ${f.least(stored, incoming)} when 'max' then ${f.greatest(stored, incoming)} when 'kind' then ${stored} else ${stored} + ${incoming} end`;
  for (const group of rowGroups(f, rows, CELL_COLS.length, T, maxParams)) {
    push(`profile-cells:${group.shape}`, [...target, ...rowValues(f, CELL_COLS.length, group.rows)], (i) => {
      return sql`with ${rowsCte(f, "v", CELL_COLS, group.rows.length, T, i)} insert into ${ref("profile_cells")} (${refs(CELL_KEY)}, ${ref("value")})
select ${cast(f, i(0), "text")}, ${cast(f, i(1), "text")}, ${cast(f, i(2), "text")}, ${v("slice_key")}, ${v("slice_value")}, ${cast(f, i(3), "int")}, ${v("feature")}, ${v("cell")}, ${v("value")} from ${ref("v")}
where ${guard(i, 4)} and not exists (select 1 from ${ref("profile_conflicts")} as ${ref("x")} where ${ref("x.nonce")} = ${i(5)} and ${ref("x.slice_key")} = ${v("slice_key")} and ${ref("x.slice_value")} = ${v("slice_value")})
on conflict (${refs(CELL_KEY)}) do update set ${ref("value")} = ${merge()}`;
    });
  }
  push("profile-conflicts-done", [target[5]!], (i) => sql`delete from ${ref("profile_conflicts")} where ${ref("nonce")} = ${i(0)}`);
  return conflictQueries;
}
