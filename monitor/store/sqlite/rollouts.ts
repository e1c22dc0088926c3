/**
 * Champion vs challenger in the SQLite store (migration 0005): the write side adds each batch's requests and errors
 * to its version's minute with the arm and mode the batch named; the reads sum them over a range and give the sampled
 * rows of a model's versions, which the compare analytics pair by request id (shadow runs: same input, two answers).
 *
 * @example
 * ```ts
 * const write = createRolloutWriter(db, sqlite); // inside the ingest transaction: write(batch, minute)
 * const rows = await createRolloutReads(db).rollouts({ deployment: "prod", model: "titanic", from, to });
 * ```
 */
import type { Database } from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import type { MonitorStore, RolloutRow, VersionSampleRow } from "../contract.ts";
import type { MonitorDb } from "./migrations.ts";
import { prepareRun } from "./prepared.ts";

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number(v ?? 0));

/** The write side: call it inside the ingest transaction, with the minute the batch's counters land in. */
export function createRolloutWriter(db: Kysely<MonitorDb>, sqlite: Database): (batch: TelemetryBatch, minute: number) => void {
  const add = prepareRun<MonitorDb["minute_rollouts"]>(sqlite, ["deployment", "model", "version", "minute", "arm", "mode", "requests", "errors"], (v) =>
    db
      .insertInto("minute_rollouts")
      .values(v)
      .onConflict((oc) =>
        oc
          .columns(["deployment", "model", "minute", "version", "arm", "mode"])
          .doUpdateSet({ requests: sql`requests + excluded.requests`, errors: sql`errors + excluded.errors` }),
      ),
  );
  return (batch, minute) => {
    const r = batch.rollout;
    if (r === undefined || batch.counters.requests === 0) return;
    const errors = Object.values(batch.counters.errors).reduce<number>((a, n) => a + (n ?? 0), 0);
    add({
      deployment: batch.deployment,
      model: batch.model.name,
      version: batch.model.version,
      minute,
      arm: r.arm,
      mode: r.mode ?? "",
      requests: batch.counters.requests,
      errors,
    });
  };
}

export function createRolloutReads(db: Kysely<MonitorDb>): Pick<MonitorStore, "rollouts" | "versionSamples"> {
  return {
    async rollouts({ deployment, model, from, to }) {
      const rows = await db
        .selectFrom("minute_rollouts")
        .select((eb) => ["version", "arm", "mode", eb.fn.sum<number>("requests").as("requests"), eb.fn.sum<number>("errors").as("errors")])
        .where("deployment", "=", deployment)
        .where("model", "=", model)
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy(["version", "arm", "mode"])
        .orderBy("arm")
        .orderBy("version")
        .execute();
      return rows.map(
        (r): RolloutRow => ({
          version: r.version,
          arm: r.arm === "challenger" ? "challenger" : "champion",
          mode: r.mode === "shadow" || r.mode === "canary" ? r.mode : null,
          requests: num(r.requests),
          errors: num(r.errors),
        }),
      );
    },

    async versionSamples({ deployment, model, version, from, to, limit }) {
      const rows = await db
        .selectFrom("samples as s")
        .innerJoin("deployments as d", "d.id", "s.deployment_id")
        .innerJoin("series as se", "se.id", "s.series_id")
        .select(["s.ts", "s.request_id", "s.idx", "s.status", "s.latency_ms", "s.prediction"])
        .where("d.name", "=", deployment)
        .where("se.model", "=", model)
        .where("se.version", "=", version)
        .where("s.ts", ">=", from)
        .where("s.ts", "<", to)
        .orderBy("s.ts", "desc")
        .limit(limit)
        .execute();
      return rows.map(
        (r): VersionSampleRow => ({
          ts: num(r.ts),
          requestId: r.request_id,
          index: r.idx === null ? 0 : num(r.idx),
          status: num(r.status),
          latencyMs: num(r.latency_ms),
          prediction: r.prediction === null ? undefined : (JSON.parse(r.prediction) as unknown),
        }),
      );
    },
  };
}
