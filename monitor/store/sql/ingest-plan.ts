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
 * `maxParams` parameters (default 100, D1's limit).
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
import { mergeCell, profileCells } from "./profile-cells.ts";
import { addSet, chunks, valuesCte, type Col, type Value } from "./rows.ts";
import type { MonitorDb } from "./tables.ts";

const MINUTE_MS = 60_000;
const MINUTE_KEY = ["deployment", "model", "version", "minute"] as const;

export interface IngestPlanOptions {
  /** Compiles the statements for its dialect (nothing runs). */
  db: Kysely<MonitorDb>;
  flavor: SchemaFlavor;
  /** Length of a profile bucket (ms). */
  profileBucketMs: number;
  /** The attempt's nonce (default a random UUID): build a new plan for every attempt. */
  nonce?: string;
  /** Most bound parameters per statement (default 100, D1's limit). */
  maxParams?: number;
}

export interface IngestPlan {
  nonce: string;
  /** Run in order as one atomic unit; queries[0] inserts the batch row (0 affected rows: a duplicate). */
  queries: CompiledQuery[];
  /** Indexes of the queries that record profiles not merged (bins differ from the stored ones): rows affected → warn. */
  profileConflicts: number[];
}

type Row = readonly Value[];

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
  const guard = sql`exists (select 1 from ${sql.ref("batches")} where ${sql.ref("batch_id")} = ${batchId} and ${sql.ref("nonce")} = ${nonce})`;
  const queries: CompiledQuery[] = [];
  const profileConflicts: number[] = [];
  const push = (q: RawBuilder<unknown> | { compile(): CompiledQuery }) => queries.push("isRawBuilder" in q ? q.compile(db) : q.compile());

  /** `with v(...) as (values ...) insert into table (...) select ... from v where guard <conflict>`, chunked. */
  const insertRows = (table: string, cols: readonly Col[], rows: readonly Row[], conflict: RawBuilder<unknown>) => {
    const names = sql.join(cols.map(([n]) => sql.ref(n)));
    for (const chunk of chunks(rows, cols.length, 2, maxParams)) {
      push(
        sql`with ${valuesCte(f, "v", cols, chunk)} insert into ${sql.ref(table)} (${names}) select ${names} from ${sql.ref("v")} where ${guard} ${conflict}`,
      );
    }
  };
  const onKey = (keys: readonly string[]) => sql.join(keys.map((k) => sql.ref(k)));

  push(
    db
      .insertInto("batches")
      .values({
        batch_id: batchId,
        deployment,
        model,
        version,
        target: batch.target,
        window_start: batch.window.start,
        window_end: batch.window.end,
        received_at: receivedAt,
        requests: c.requests,
        samples: batch.samples.length,
        dropped: c.dropped,
        nonce,
      })
      .onConflict((oc) => oc.column("batch_id").doNothing()),
  );
  insertRows(
    "deployments",
    [
      ["name", "text"],
      ["created_at", "int"],
      ["last_seen", "int"],
      ["target", "text"],
    ],
    [[deployment, receivedAt, receivedAt, batch.target]],
    sql`on conflict (${sql.ref("name")}) do update set ${sql.ref("last_seen")} = ${sql.ref("excluded.last_seen")}, ${sql.ref("target")} = ${sql.ref("excluded.target")}`,
  );

  // Counters land in the minute the window ended, by the edge's clock but never in the monitor's future.
  const minute = Math.floor(Math.min(batch.window.end, receivedAt) / MINUTE_MS) * MINUTE_MS;
  const at: Row = [deployment, model, version, minute];
  const keyCols: Col[] = [
    ["deployment", "text"],
    ["model", "text"],
    ["version", "text"],
    ["minute", "int"],
  ];
  const errorRows = Object.entries(c.errors).filter((e): e is [string, number] => e[1] !== undefined && e[1] !== 0);
  const errors = errorRows.reduce((a, [, n]) => a + n, 0);
  const counterCols = ["requests", "errors", "dropped", "latency_sum", "batches"];
  insertRows(
    "minute_counters",
    [...keyCols, ["requests", "int"], ["errors", "int"], ["dropped", "int"], ["latency_sum", "real"], ["batches", "int"]],
    [[...at, c.requests, errors, c.dropped, c.latency.sum, 1]],
    sql`on conflict (${onKey(MINUTE_KEY)}) do update set ${addSet("minute_counters", counterCols)}`,
  );
  const latency = c.latency.counts.flatMap((count, bucket): Row[] => (count > 0 ? [[...at, bucket, count]] : []));
  if (latency.length > 0) {
    insertRows(
      "minute_latency",
      [...keyCols, ["bucket", "int"], ["count", "int"]],
      latency,
      sql`on conflict (${onKey([...MINUTE_KEY, "bucket"])}) do update set ${addSet("minute_latency", ["count"])}`,
    );
  }
  if (errorRows.length > 0) {
    insertRows(
      "minute_errors",
      [...keyCols, ["class", "text"], ["count", "int"]],
      errorRows.map(([cls, n]) => [...at, cls, n]),
      sql`on conflict (${onKey([...MINUTE_KEY, "class"])}) do update set ${addSet("minute_errors", ["count"])}`,
    );
  }
  backendRows(batch, receivedAt, at, keyCols, insertRows, onKey, f);
  const r = batch.rollout;
  if (r !== undefined && c.requests > 0) {
    insertRows(
      "minute_rollouts",
      [...keyCols, ["arm", "text"], ["mode", "text"], ["requests", "int"], ["errors", "int"]],
      [[...at, r.arm, r.mode ?? "", c.requests, errors]],
      sql`on conflict (${onKey(["deployment", "model", "minute", "version", "arm", "mode"])}) do update set ${addSet("minute_rollouts", ["requests", "errors"])}`,
    );
  }
  if (batch.profile !== undefined) {
    const bucket = Math.floor(Math.min(batch.window.end, receivedAt) / opts.profileBucketMs) * opts.profileBucketMs;
    profileQueries({ deployment, model, version, bucket, nonce, guard, profile: batch.profile, f, maxParams }, (q, conflict) => {
      if (conflict) profileConflicts.push(queries.length);
      push(q);
    });
  }
  if (batch.samples.length > 0) sampleQueries(batch, nonce, guard, f, maxParams, push);
  push(db.updateTable("batches").set({ nonce: null }).where("batch_id", "=", batchId).where("nonce", "=", nonce));
  return { nonce, queries, profileConflicts };
}

type InsertRows = (table: string, cols: readonly Col[], rows: readonly Row[], conflict: RawBuilder<unknown>) => void;

function backendRows(
  batch: TelemetryBatch,
  receivedAt: number,
  at: Row,
  keyCols: readonly Col[],
  insertRows: InsertRows,
  onKey: (k: readonly string[]) => RawBuilder<unknown>,
  f: SchemaFlavor,
): void {
  const b = batch.backend;
  if (b === undefined) return;
  const device: Col = ["device", "text"];
  if (batch.counters.requests > 0) {
    insertRows(
      "minute_backends",
      [...keyCols, device, ["requests", "int"]],
      [[...at, b.device, batch.counters.requests]],
      sql`on conflict (${onKey([...MINUTE_KEY, "device"])}) do update set ${addSet("minute_backends", ["requests"])}`,
    );
  }
  const ref = (c: string) => sql.ref(`backends.${c}`);
  const ex = (c: string) => sql.ref(`excluded.${c}`);
  // A batch that gives no engine or reason keeps the last one given: "why WASM" outlives the next quiet batch.
  insertRows(
    "backends",
    [keyCols[0]!, keyCols[1]!, keyCols[2]!, device, ["engine", "text"], ["reason", "text"], ["last_seen", "int"]],
    [[batch.deployment, batch.model.name, batch.model.version, b.device, b.engine ?? null, b.reason ?? null, receivedAt]],
    sql`on conflict (${onKey(["deployment", "model", "version", "device"])}) do update set ${sql.ref("engine")} = coalesce(${ex("engine")}, ${ref("engine")}), ${sql.ref("reason")} = coalesce(${ex("reason")}, ${ref("reason")}), ${sql.ref("last_seen")} = ${f.greatest(ref("last_seen"), ex("last_seen"))}`,
  );
}

interface ProfileTarget {
  deployment: string;
  model: string;
  version: string;
  bucket: number;
  nonce: string;
  guard: RawBuilder<unknown>;
  profile: NonNullable<TelemetryBatch["profile"]>;
  f: SchemaFlavor;
  maxParams: number;
}

function profileQueries(t: ProfileTarget, push: (q: RawBuilder<unknown>, conflict: boolean) => void): void {
  const { f } = t;
  // One row per (slice, feature, cell): a slice written twice in one batch is added up here, not by the database.
  const cells = new Map<string, [string, string, string, string, number]>();
  const add = (sk: string, sv: string, p: Profile) => {
    for (const c of profileCells(p)) {
      const id = `${sk}\u0000${sv}\u0000${c.feature}\u0000${c.cell}`;
      const prev = cells.get(id);
      cells.set(id, [sk, sv, c.feature, c.cell, prev === undefined ? c.value : mergeCell(c.cell, prev[4], c.value)]);
    }
  };
  add("", "", t.profile.overall);
  for (const [key, values] of Object.entries(t.profile.bySlice)) for (const [value, p] of Object.entries(values)) add(key, value, p);
  const rows = [...cells.values()];
  const c = (col: string) => sql.ref(`c.${col}`);
  const s = (col: string) => sql.ref(`s.${col}`);
  const v = (col: string) => sql.ref(`v.${col}`);
  const text = (x: string) => sql`cast(${x} as text)`;
  const int = (x: number) => sql`cast(${x} as ${sql.raw(String(f.int))})`;

  // 1. Profiles whose shape (bin count, or categorical) differs from the stored one in this bucket: not merged.
  const shapes = rows.filter((r) => r[3] === "kind").map((r): Row => [r[0], r[1], r[2], r[4]]);
  const shapeCols: Col[] = [
    ["slice_key", "text"],
    ["slice_value", "text"],
    ["feature", "text"],
    ["value", "real"],
  ];
  for (const chunk of chunks(shapes, 4, 7, t.maxParams)) {
    push(
      sql`with ${valuesCte(f, "s", shapeCols, chunk)} insert into ${sql.ref("profile_conflicts")} (${sql.ref("nonce")}, ${sql.ref("slice_key")}, ${sql.ref("slice_value")})
select distinct ${text(t.nonce)}, ${s("slice_key")}, ${s("slice_value")} from ${sql.ref("s")} where ${t.guard} and exists (select 1 from ${sql.ref("profile_cells")} as ${sql.ref("c")}
where ${c("deployment")} = ${t.deployment} and ${c("model")} = ${t.model} and ${c("version")} = ${t.version} and ${c("bucket")} = ${t.bucket}
and ${c("slice_key")} = ${s("slice_key")} and ${c("slice_value")} = ${s("slice_value")} and ${c("feature")} = ${s("feature")} and ${c("cell")} = 'kind' and ${c("value")} <> ${s("value")})
on conflict do nothing`,
      true,
    );
  }
  // 2. The cells, added by the database.
  const cellCols: Col[] = [...shapeCols.slice(0, 3), ["cell", "text"], ["value", "real"]];
  const target = sql.ref("profile_cells.value");
  const incoming = sql.ref("excluded.value");
  const merge = sql`case ${sql.ref("excluded.cell")} when 'min' then ${f.least(target, incoming)} when 'max' then ${f.greatest(target, incoming)} when 'kind' then ${target} else ${target} + ${incoming} end`;
  const key = sql.join(["deployment", "model", "version", "slice_key", "slice_value", "bucket", "feature", "cell"].map((k) => sql.ref(k)));
  for (const chunk of chunks(rows, 5, 7, t.maxParams)) {
    push(
      sql`with ${valuesCte(f, "v", cellCols, chunk)} insert into ${sql.ref("profile_cells")} (${key}, ${sql.ref("value")})
select ${text(t.deployment)}, ${text(t.model)}, ${text(t.version)}, ${v("slice_key")}, ${v("slice_value")}, ${int(t.bucket)}, ${v("feature")}, ${v("cell")}, ${v("value")} from ${sql.ref("v")}
where ${t.guard} and not exists (select 1 from ${sql.ref("profile_conflicts")} as ${sql.ref("x")} where ${sql.ref("x.nonce")} = ${t.nonce} and ${sql.ref("x.slice_key")} = ${v("slice_key")} and ${sql.ref("x.slice_value")} = ${v("slice_value")})
on conflict (${key}) do update set ${sql.ref("value")} = ${merge}`,
      false,
    );
  }
  push(sql`delete from ${sql.ref("profile_conflicts")} where ${sql.ref("nonce")} = ${t.nonce}`, false);
}

function sampleQueries(
  batch: TelemetryBatch,
  nonce: string,
  guard: RawBuilder<unknown>,
  f: SchemaFlavor,
  maxParams: number,
  push: (q: RawBuilder<unknown>) => void,
): void {
  const { deployment, model } = batch;
  const ref = sql.ref;
  push(
    sql`insert into ${ref("series")} (${ref("deployment_id")}, ${ref("model")}, ${ref("version")}) select ${ref("d.id")}, cast(${model.name} as text), cast(${model.version} as text)
from ${ref("deployments")} as ${ref("d")} where ${ref("d.name")} = ${deployment} and ${guard} on conflict (${ref("deployment_id")}, ${ref("model")}, ${ref("version")}) do nothing`,
  );
  const cols: Col[] = [
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
  const json = (x: unknown) => (x === undefined ? null : JSON.stringify(x));
  const rows = batch.samples.map(
    (s): Row => [s.ts, s.requestId, s.index ?? null, s.latencyMs, s.status, s.error ?? null, json(s.features), json(s.prediction), json(s.slices)],
  );
  const names = sql.join(cols.map(([n]) => ref(n)));
  const fromV = sql.join(cols.map(([n]) => ref(`v.${n}`)));
  for (const chunk of chunks(rows, cols.length, 5, maxParams)) {
    // The batch row with this attempt's nonce is the guard: no row of it, no samples.
    push(
      sql`with ${valuesCte(f, "v", cols, chunk)} insert into ${ref("samples")} (${ref("deployment_id")}, ${ref("series_id")}, ${ref("batch_ref")}, ${names})
select ${ref("se.deployment_id")}, ${ref("se.id")}, ${ref("b.id")}, ${fromV} from ${ref("v")}, ${ref("batches")} as ${ref("b")}, ${ref("deployments")} as ${ref("d")}, ${ref("series")} as ${ref("se")}
where ${ref("b.batch_id")} = ${batch.batchId} and ${ref("b.nonce")} = ${nonce} and ${ref("d.name")} = ${deployment} and ${ref("se.deployment_id")} = ${ref("d.id")} and ${ref("se.model")} = ${model.name} and ${ref("se.version")} = ${model.version}`,
    );
  }
}
