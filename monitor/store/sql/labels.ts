/**
 * Baselines and delayed labels in every SQL store. Labels are stored as they arrive, whether or not their sampled row
 * is there yet (a label may beat its batch to the monitor); the join with samples happens at read time, by request id.
 * No interactive transaction (D1 has none): each statement is an idempotent upsert, so a retry stores the same.
 *
 * @example
 * ```ts
 * const labels = createSqlLabels(db);
 * await labels.putLabels("prod", [{ requestId: "r1", index: 0, label: "yes" }], Date.now());
 * ```
 */
import { sql, type Kysely } from "kysely";
import { Baseline } from "../../../core/schema/baseline.ts";
import { ModelConfig } from "../../schema/model-config.ts";
import type { BaselineRecord, LabelValue, MlStore } from "../contract-ml.ts";
import { num } from "./num.ts";
import { chunks } from "./rows.ts";
import type { MonitorDb } from "./tables.ts";

type Labels = Pick<MlStore, "putBaseline" | "baseline" | "baselines" | "putLabels" | "labeledSamples">;

function baselineRecord(r: MonitorDb["baselines"]): BaselineRecord {
  return {
    deployment: r.deployment,
    model: r.model,
    version: r.version,
    // Stored by putBaseline after validation; parsed again so a hand-edited row cannot break the types.
    baseline: Baseline.parse(JSON.parse(r.baseline)),
    config: ModelConfig.parse(JSON.parse(r.config)),
    registeredAt: num(r.registered_at),
  };
}

export function createSqlLabels(db: Kysely<MonitorDb>): Labels {
  async function putLabels(deployment: string, items: Parameters<Labels["putLabels"]>[1], at: number) {
    const { id } = await db
      .insertInto("deployments")
      .values({ name: deployment, created_at: at, last_seen: null, target: null })
      .onConflict((oc) => oc.column("name").doUpdateSet({ name: sql`excluded.name` }))
      .returning("id")
      .executeTakeFirstOrThrow();
    const deploymentId = num(id);
    // The last of two labels for one instance in the same call wins (one row per key and statement: Postgres).
    const latest = new Map(items.map((i) => [`${i.index}\u0000${i.requestId}`, i]));
    for (const chunk of chunks([...latest.values()], 5, 0, 100)) {
      await db
        .insertInto("labels")
        .values(chunk.map((i) => ({ deployment_id: deploymentId, request_id: i.requestId, idx: i.index, label: JSON.stringify(i.label), received_at: at })))
        .onConflict((oc) =>
          oc
            .columns(["deployment_id", "request_id", "idx"])
            .doUpdateSet((eb) => ({ label: eb.ref("excluded.label"), received_at: eb.ref("excluded.received_at") })),
        )
        .execute();
    }
    const found = new Set<string>();
    for (const chunk of chunks([...new Set(items.map((i) => i.requestId))], 1, 1, 100)) {
      const rows = await db
        .selectFrom("samples")
        .select(["request_id", sql<number>`coalesce(${sql.ref("idx")}, 0)`.as("idx")])
        .where("deployment_id", "=", deploymentId)
        .where("request_id", "in", chunk)
        .execute();
      for (const r of rows) found.add(`${num(r.idx)}\u0000${r.request_id}`);
    }
    return { stored: items.length, matched: items.filter((i) => found.has(`${i.index}\u0000${i.requestId}`)).length };
  }

  return {
    async putBaseline(r) {
      await db
        .insertInto("baselines")
        .values({
          deployment: r.deployment,
          model: r.model,
          version: r.version,
          baseline: JSON.stringify(r.baseline),
          config: JSON.stringify(r.config),
          registered_at: r.registeredAt,
        })
        .onConflict((oc) =>
          oc.columns(["deployment", "model", "version"]).doUpdateSet((eb) => ({
            baseline: eb.ref("excluded.baseline"),
            config: eb.ref("excluded.config"),
            registered_at: eb.ref("excluded.registered_at"),
          })),
        )
        .execute();
    },
    async baseline(deployment, model, version) {
      const row = await db
        .selectFrom("baselines")
        .selectAll()
        .where("deployment", "=", deployment)
        .where("model", "=", model)
        .where("version", "=", version)
        .executeTakeFirst();
      return row === undefined ? undefined : baselineRecord(row);
    },
    async baselines(deployment) {
      let q = db.selectFrom("baselines").selectAll();
      if (deployment !== undefined) q = q.where("deployment", "=", deployment);
      return (await q.orderBy("registered_at", "desc").execute()).map(baselineRecord);
    },
    putLabels,
    async labeledSamples(q) {
      // Driven by the labels (fewer than samples), each finding its sample through the request-id index.
      let query = db
        .selectFrom("labels as l")
        .innerJoin("deployments as d", "d.id", "l.deployment_id")
        .innerJoin("samples as s", (j) => j.onRef("s.request_id", "=", "l.request_id").onRef("s.deployment_id", "=", "l.deployment_id"))
        .innerJoin("series as se", "se.id", "s.series_id")
        .select(["s.ts", "se.model", "se.version", "s.request_id", "l.idx", "s.prediction", "s.features", "s.slices", "l.label"])
        .where("d.name", "=", q.deployment)
        .where(sql`coalesce(s.idx, 0)`, "=", sql.ref("l.idx"))
        .where("s.ts", ">=", q.from)
        .where("s.ts", "<", q.to)
        .where("s.error", "is", null);
      if (q.model !== undefined) query = query.where("se.model", "=", q.model);
      if (q.version !== undefined) query = query.where("se.version", "=", q.version);
      const rows = await query.orderBy("s.ts").execute();
      return rows.map((r) => ({
        ts: num(r.ts),
        model: r.model,
        version: r.version,
        requestId: r.request_id,
        index: num(r.idx),
        prediction: r.prediction === null ? null : (JSON.parse(r.prediction) as unknown),
        features: r.features === null ? null : (JSON.parse(r.features) as Record<string, unknown>),
        slices: r.slices === null ? null : (JSON.parse(r.slices) as Record<string, string>),
        label: JSON.parse(r.label) as LabelValue,
      }));
    },
  };
}
