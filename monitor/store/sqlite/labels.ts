/**
 * Baselines and delayed labels in SQLite. Labels are stored as they arrive, whether or not their sampled row is there
 * yet (a label may beat its batch to the monitor); the join with samples happens at read time, by request id.
 *
 * @example
 * ```ts
 * const labels = createSqliteLabels(db, sqlite);
 * await labels.putLabels("prod", [{ requestId: "r1", index: 0, label: "yes" }], Date.now());
 * ```
 */
import type { Database } from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import { Baseline } from "../../../core/schema/baseline.ts";
import { ModelConfig } from "../../schema/model-config.ts";
import type { MonitorDb } from "./migrations.ts";
import { prepareGet, prepareRun } from "./prepared.ts";
import type { BaselineRecord, LabelValue, MlStore } from "../contract-ml.ts";

type Labels = Pick<MlStore, "putBaseline" | "baseline" | "baselines" | "putLabels" | "labeledSamples">;

function baselineRecord(r: MonitorDb["baselines"]): BaselineRecord {
  return {
    deployment: r.deployment,
    model: r.model,
    version: r.version,
    // Stored by putBaseline after validation; parsed again so a hand-edited row cannot break the types.
    baseline: Baseline.parse(JSON.parse(r.baseline)),
    config: ModelConfig.parse(JSON.parse(r.config)),
    registeredAt: r.registered_at,
  };
}

export function createSqliteLabels(db: Kysely<MonitorDb>, sqlite: Database): Labels {
  const deploymentId = prepareGet<{ name: string; at: number }, { id: number }>(sqlite, ["name", "at"], (v) =>
    db
      .insertInto("deployments")
      .values({ name: v.name, created_at: v.at, last_seen: sql<number | null>`null`, target: sql<string | null>`null` })
      .onConflict((oc) => oc.column("name").doUpdateSet({ name: sql`excluded.name` }))
      .returning("id"),
  );
  const putLabel = prepareRun<MonitorDb["labels"]>(sqlite, ["deployment_id", "request_id", "idx", "label", "received_at"], (v) =>
    db
      .insertInto("labels")
      .values(v)
      .onConflict((oc) =>
        oc
          .columns(["deployment_id", "request_id", "idx"])
          .doUpdateSet((eb) => ({ label: eb.ref("excluded.label"), received_at: eb.ref("excluded.received_at") })),
      ),
  );
  const hasSample = prepareGet<{ deployment_id: number; request_id: string; idx: number }, { one: number }>(
    sqlite,
    ["deployment_id", "request_id", "idx"],
    (v) =>
      db
        .selectFrom("samples")
        .select(sql<number>`1`.as("one"))
        .where("request_id", "=", v.request_id)
        .where("deployment_id", "=", v.deployment_id)
        .where(sql`coalesce(idx, 0)`, "=", v.idx)
        .limit(sql<number>`1`),
  );
  const putAll = sqlite.transaction((deployment: string, items: Parameters<Labels["putLabels"]>[1], at: number) => {
    const id = deploymentId({ name: deployment, at })!.id;
    let matched = 0;
    for (const item of items) {
      putLabel({ deployment_id: id, request_id: item.requestId, idx: item.index, label: JSON.stringify(item.label), received_at: at });
      if (hasSample({ deployment_id: id, request_id: item.requestId, idx: item.index }) !== undefined) matched++;
    }
    return { stored: items.length, matched };
  });

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
    async putLabels(deployment, items, receivedAt) {
      return putAll.immediate(deployment, items, receivedAt);
    },
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
        ts: r.ts,
        model: r.model,
        version: r.version,
        requestId: r.request_id,
        index: r.idx,
        prediction: r.prediction === null ? null : (JSON.parse(r.prediction) as unknown),
        features: r.features === null ? null : (JSON.parse(r.features) as Record<string, unknown>),
        slices: r.slices === null ? null : (JSON.parse(r.slices) as Record<string, string>),
        label: JSON.parse(r.label) as LabelValue,
      }));
    },
  };
}
