/**
 * The write path of the SQLite store, built for ingest throughput: statements built by kysely and prepared once
 * (./prepared.ts), and one synchronous better-sqlite3 transaction per batch: counters, backends (./backends.ts),
 * profiles (./profiles.ts) and samples. Nothing else on the
 * connection can interleave with it, and it has committed (into the WAL) when the function returns: the caller
 * acknowledges the batch only after that.
 *
 * @example
 * ```ts
 * const ingest = createSqliteIngest(db, sqlite);
 * const { duplicate } = ingest(batch, Date.now());
 * ```
 */
import type { Database } from "better-sqlite3";
import { sql, type Generated, type Kysely } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import type { MonitorDb } from "./migrations.ts";
import { createBackendWriter } from "./backends.ts";
import { prepareGet, prepareRun } from "./prepared.ts";
import { createProfileWriter, type PendingProfiles } from "./profiles.ts";
import { createRolloutWriter } from "./rollouts.ts";
import { MINUTE_MS } from "../contract.ts";

type Plain<T> = { [C in keyof T]: T[C] extends Generated<infer V> ? V : T[C] };
type Tables = { [T in keyof MonitorDb]: Plain<MonitorDb[T]> };

export function createSqliteIngest(
  db: Kysely<MonitorDb>,
  sqlite: Database,
  profileBucketMs = MINUTE_MS,
): (batch: TelemetryBatch, receivedAt: number) => { duplicate: boolean } {
  const key = ["deployment", "model", "version", "minute"] as const;
  const insertBatch = prepareRun<Omit<Tables["batches"], "id">>(
    sqlite,
    ["batch_id", "deployment", "model", "version", "target", "window_start", "window_end", "received_at", "requests", "samples", "dropped"],
    (v) =>
      db
        .insertInto("batches")
        .values(v)
        .onConflict((oc) => oc.column("batch_id").doNothing()),
  );
  const touchDeployment = prepareGet<{ name: string; at: number; target: string }, { id: number }>(sqlite, ["name", "at", "target"], (v) =>
    db
      .insertInto("deployments")
      .values({ name: v.name, created_at: v.at, last_seen: v.at, target: v.target })
      .onConflict((oc) => oc.column("name").doUpdateSet({ last_seen: sql`excluded.last_seen`, target: sql`excluded.target` }))
      .returning("id"),
  );
  const insertSeries = prepareRun<Omit<Tables["series"], "id">>(sqlite, ["deployment_id", "model", "version"], (v) =>
    db
      .insertInto("series")
      .values(v)
      .onConflict((oc) => oc.columns(["deployment_id", "model", "version"]).doNothing()),
  );
  const seriesId = prepareGet<Omit<Tables["series"], "id">, { id: number }>(sqlite, ["deployment_id", "model", "version"], (v) =>
    db.selectFrom("series").select("id").where("deployment_id", "=", v.deployment_id).where("model", "=", v.model).where("version", "=", v.version),
  );
  const addCounters = prepareRun<Omit<Tables["minute_counters"], "batches">>(
    sqlite,
    ["deployment", "model", "version", "minute", "requests", "errors", "dropped", "latency_sum"],
    (v) =>
      db
        .insertInto("minute_counters")
        .values({ ...v, batches: sql<number>`1` })
        .onConflict((oc) =>
          oc.columns([...key]).doUpdateSet({
            requests: sql`requests + excluded.requests`,
            errors: sql`errors + excluded.errors`,
            dropped: sql`dropped + excluded.dropped`,
            latency_sum: sql`latency_sum + excluded.latency_sum`,
            batches: sql`batches + 1`,
          }),
        ),
  );
  const addLatency = prepareRun<Tables["minute_latency"]>(sqlite, ["deployment", "model", "version", "minute", "bucket", "count"], (v) =>
    db
      .insertInto("minute_latency")
      .values(v)
      .onConflict((oc) => oc.columns([...key, "bucket"]).doUpdateSet({ count: sql`count + excluded.count` })),
  );
  const addErrors = prepareRun<Tables["minute_errors"]>(sqlite, ["deployment", "model", "version", "minute", "class", "count"], (v) =>
    db
      .insertInto("minute_errors")
      .values(v)
      .onConflict((oc) => oc.columns([...key, "class"]).doUpdateSet({ count: sql`count + excluded.count` })),
  );
  const insertSample = prepareRun<Omit<Tables["samples"], "id">>(
    sqlite,
    ["deployment_id", "series_id", "batch_ref", "ts", "request_id", "idx", "latency_ms", "status", "error", "features", "prediction", "slices"],
    (v) => db.insertInto("samples").values(v),
  );

  // Series ids never change once committed; an id is cached only after its transaction commits, because a
  // rolled-back id could be handed to another series.
  const seriesCache = new Map<string, number>();
  const profiles = createProfileWriter(db, sqlite, profileBucketMs);
  const writeBackend = createBackendWriter(db, sqlite);
  const writeRollout = createRolloutWriter(db, sqlite);

  const write = sqlite.transaction(
    (batch: TelemetryBatch, receivedAt: number, learned: Map<string, number>, pending: PendingProfiles): { duplicate: boolean } => {
      const {
        deployment,
        model: { name: model, version },
      } = batch;
      const c = batch.counters;
      const inserted = insertBatch({
        batch_id: batch.batchId,
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
      });
      // The batch row and the counters commit together, so a batchId present means its counters are counted.
      if (inserted.changes === 0) return { duplicate: true };
      const batchRef = Number(inserted.lastInsertRowid);

      // Counters land in the minute the window ended, by the edge's clock but never in the monitor's future.
      const minute = Math.floor(Math.min(batch.window.end, receivedAt) / MINUTE_MS) * MINUTE_MS;
      const at = { deployment, model, version, minute };
      const deploymentId = touchDeployment({ name: deployment, at: receivedAt, target: batch.target })!.id;
      let errors = 0;
      for (const [cls, count] of Object.entries(c.errors)) {
        if (count === undefined || count === 0) continue;
        errors += count;
        addErrors({ ...at, class: cls, count });
      }
      addCounters({ ...at, requests: c.requests, errors, dropped: c.dropped, latency_sum: c.latency.sum });
      c.latency.counts.forEach((count, bucket) => {
        if (count > 0) addLatency({ ...at, bucket, count });
      });
      writeBackend(batch, minute, receivedAt);
      writeRollout(batch, minute);
      profiles.write(batch, receivedAt, pending);
      if (batch.samples.length === 0) return { duplicate: false };

      const cacheKey = `${deploymentId}\u0000${model}\u0000${version}`;
      let series = seriesCache.get(cacheKey);
      if (series === undefined) {
        const s = { deployment_id: deploymentId, model, version };
        insertSeries(s);
        series = seriesId(s)!.id;
        learned.set(cacheKey, series);
      }
      for (const s of batch.samples) {
        insertSample({
          deployment_id: deploymentId,
          series_id: series,
          batch_ref: batchRef,
          ts: s.ts,
          request_id: s.requestId,
          idx: s.index ?? null,
          latency_ms: s.latencyMs,
          status: s.status,
          error: s.error ?? null,
          features: s.features === undefined ? null : JSON.stringify(s.features),
          prediction: s.prediction === undefined ? null : JSON.stringify(s.prediction),
          slices: s.slices === undefined ? null : JSON.stringify(s.slices),
        });
      }
      return { duplicate: false };
    },
  );

  return (batch, receivedAt) => {
    const learned = new Map<string, number>();
    const pending: PendingProfiles = new Map();
    // IMMEDIATE takes the write lock up front: a concurrent writer (the CLI) makes us wait (busy_timeout), not fail.
    const result = write.immediate(batch, receivedAt, learned, pending);
    for (const [k, id] of learned) seriesCache.set(k, id);
    profiles.commit(pending);
    return result;
  };
}
