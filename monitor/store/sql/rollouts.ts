/**
 * Champion vs challenger in every SQL store (migration 0005): the ingest plan (./ingest-plan.ts) adds each batch's
 * requests and errors to its version's minute with the arm and mode the batch named; these reads sum them over a range
 * and give the sampled rows of a model's versions, which the compare analytics pair by request id (shadow runs: same
 * input, two answers).
 *
 * @example
 * ```ts
 * const rows = await createRolloutReads(db).rollouts({ deployment: "prod", model: "titanic", from, to });
 * ```
 */
import type { Kysely } from "kysely";
import type { MonitorStore, RolloutRow, VersionSampleRow } from "../contract.ts";
import { num } from "./num.ts";
import { allResolutions } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";

export function createRolloutReads(db: Kysely<MonitorDb>): Pick<MonitorStore, "rollouts" | "versionSamples"> {
  return {
    async rollouts({ deployment, model, from, to }) {
      const rows = await db
        .selectFrom(allResolutions("minute_rollouts"))
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
