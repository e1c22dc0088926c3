/**
 * The read side of every SQL store: tokens, deployments, windowed counters and samples. Every metric read sums the
 * per-minute rows (a few rows per model version per minute), never the samples table. Portable: the window arithmetic
 * casts to the flavor's integer type, and numbers are converted from whatever the driver returns.
 *
 * @example
 * ```ts
 * const reads = createSqlReads(db, SQLITE_FLAVOR);
 * const rows = await reads.windows({ deployment: "prod", from, to, stepMs: 5 * 60_000 });
 * ```
 */
import { sql, type Kysely, type Selectable } from "kysely";
import { LATENCY_BUCKETS_MS } from "../../../core/schema/telemetry.ts";
import { createBackendReads } from "./backends.ts";
import { createLookupReads } from "./lookups.ts";
import type { SchemaFlavor } from "./flavor.ts";
import { num, numOrNull } from "./num.ts";
import { allResolutions } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";
import type { DeploymentSummary, MonitorStore, SampleRow, TokenRecord, TotalsRow, WindowRow } from "../contract.ts";

type Reads = Pick<MonitorStore, "tokenByHash" | "listTokens" | "listDeployments" | "windows" | "backends" | "lookups" | "totals" | "recentSamples">;

const emptyLatency = () => new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);

function refusalOf(r: Selectable<MonitorDb["refusals"]> | undefined): DeploymentSummary["lastRefusal"] {
  return r === undefined ? null : { at: num(r.at), status: num(r.status), code: r.code, reason: r.reason, tokenId: r.token_id };
}

export function tokenRecord(r: { id: string; deployment: string; prefix: string; created_at: number; revoked_at: number | null }): TokenRecord {
  return { id: r.id, deployment: r.deployment, prefix: r.prefix, createdAt: num(r.created_at), revokedAt: numOrNull(r.revoked_at) };
}

export function createSqlReads(db: Kysely<MonitorDb>, f: SchemaFlavor): Reads {
  const backendReads = createBackendReads(db);
  const lookupReads = createLookupReads(db);

  return {
    backends: backendReads.backends,
    lookups: lookupReads.lookups,

    async tokenByHash(hash) {
      const row = await db.selectFrom("tokens").select(["id", "deployment", "prefix", "created_at", "revoked_at"]).where("hash", "=", hash).executeTakeFirst();
      return row === undefined ? undefined : tokenRecord(row);
    },

    async listTokens() {
      const rows = await db
        .selectFrom("tokens")
        .select(["id", "deployment", "prefix", "created_at", "revoked_at"])
        .orderBy("deployment")
        .orderBy("created_at")
        .execute();
      return rows.map(tokenRecord);
    },

    async listDeployments() {
      const deployments = await db.selectFrom("deployments").selectAll().orderBy("name").execute();
      const versions = await db
        .selectFrom(allResolutions("minute_counters"))
        .select((eb) => [
          "deployment",
          "model",
          "version",
          eb.fn.sum<number>("requests").as("requests"),
          eb.fn.sum<number>("errors").as("errors"),
          eb.fn.sum<number>("dropped").as("dropped"),
          eb.fn.max<number>("minute").as("last"),
        ])
        .groupBy(["deployment", "model", "version"])
        .orderBy("deployment")
        .orderBy("model")
        .orderBy("version")
        .execute();
      const tokens = await db
        .selectFrom("tokens")
        .select((eb) => ["deployment", eb.fn.countAll<number>().as("n")])
        .where("revoked_at", "is", null)
        .groupBy("deployment")
        .execute();
      const active = new Map(tokens.map((t) => [t.deployment, num(t.n)]));
      const refusals = new Map((await db.selectFrom("refusals").selectAll().execute()).map((r) => [r.deployment, r]));
      return deployments.map((d): DeploymentSummary => {
        const mine = versions.filter((v) => v.deployment === d.name);
        return {
          name: d.name,
          createdAt: num(d.created_at),
          target: d.target,
          lastSeen: numOrNull(d.last_seen),
          activeTokens: active.get(d.name) ?? 0,
          dropped: mine.reduce((a, v) => a + num(v.dropped), 0),
          versions: mine.map((v) => ({ model: v.model, version: v.version, requests: num(v.requests), errors: num(v.errors), lastSeen: num(v.last) })),
          lastRefusal: refusalOf(refusals.get(d.name)),
        };
      });
    },

    async windows({ deployment, from, to, stepMs }) {
      // Window start of a minute row: from + floor((minute - from) / step) * step. The CAST matters: better-sqlite3
      // binds JS numbers as REAL, so `/` would not be an integer division; 64-bit (the flavor's int): a step of 90 days
      // times the window index overflows 32 bits.
      const int = sql.raw(String(f.int));
      const t = sql<number>`cast((${sql.ref("minute")} - cast(${from} as ${int})) / cast(${stepMs} as ${int}) as ${int}) * cast(${stepMs} as ${int}) + cast(${from} as ${int})`;
      const counters = await db
        .selectFrom(allResolutions("minute_counters"))
        .select((eb) => [
          t.as("t"),
          "model",
          "version",
          eb.fn.sum<number>("requests").as("requests"),
          eb.fn.sum<number>("errors").as("errors"),
          eb.fn.sum<number>("dropped").as("dropped"),
          eb.fn.sum<number>("latency_sum").as("latency_sum"),
        ])
        .where("deployment", "=", deployment)
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy([sql`t`, "model", "version"])
        .orderBy(sql`t`)
        .execute();
      const latency = await db
        .selectFrom(allResolutions("minute_latency"))
        .select((eb) => [t.as("t"), "model", "version", "bucket", eb.fn.sum<number>("count").as("count")])
        .where("deployment", "=", deployment)
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy([sql`t`, "model", "version", "bucket"])
        .execute();
      const errors = await db
        .selectFrom(allResolutions("minute_errors"))
        .select((eb) => [t.as("t"), "model", "version", "class", eb.fn.sum<number>("count").as("count")])
        .where("deployment", "=", deployment)
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy([sql`t`, "model", "version", "class"])
        .execute();
      const byKey = new Map<string, WindowRow>();
      for (const r of counters) {
        byKey.set(`${num(r.t)}\u0000${r.model}\u0000${r.version}`, {
          t: num(r.t),
          model: r.model,
          version: r.version,
          requests: num(r.requests),
          errors: num(r.errors),
          dropped: num(r.dropped),
          latencySum: num(r.latency_sum),
          latency: emptyLatency(),
          errorsByClass: {},
        });
      }
      for (const r of latency) {
        const row = byKey.get(`${num(r.t)}\u0000${r.model}\u0000${r.version}`);
        if (row !== undefined && num(r.bucket) < row.latency.length) row.latency[num(r.bucket)] = num(r.count);
      }
      for (const r of errors) {
        const row = byKey.get(`${num(r.t)}\u0000${r.model}\u0000${r.version}`);
        if (row !== undefined) row.errorsByClass[r.class] = num(r.count);
      }
      return [...byKey.values()];
    },

    async totals() {
      const counters = await db
        .selectFrom(allResolutions("minute_counters"))
        .select((eb) => [
          "deployment",
          "model",
          "version",
          eb.fn.sum<number>("requests").as("requests"),
          eb.fn.sum<number>("latency_sum").as("latency_sum"),
          eb.fn.sum<number>("dropped").as("dropped"),
        ])
        .groupBy(["deployment", "model", "version"])
        .orderBy("deployment")
        .orderBy("model")
        .orderBy("version")
        .execute();
      const latency = await db
        .selectFrom(allResolutions("minute_latency"))
        .select((eb) => ["deployment", "model", "version", "bucket", eb.fn.sum<number>("count").as("count")])
        .groupBy(["deployment", "model", "version", "bucket"])
        .execute();
      const errors = await db
        .selectFrom(allResolutions("minute_errors"))
        .select((eb) => ["deployment", "model", "version", "class", eb.fn.sum<number>("count").as("count")])
        .groupBy(["deployment", "model", "version", "class"])
        .execute();
      const batches = await db
        .selectFrom("batches")
        .select((eb) => ["deployment", eb.fn.countAll<number>().as("n")])
        .groupBy("deployment")
        .execute();
      const byKey = new Map<string, TotalsRow>();
      const dropped: Record<string, number> = {};
      for (const r of counters) {
        byKey.set(`${r.deployment}\u0000${r.model}\u0000${r.version}`, {
          deployment: r.deployment,
          model: r.model,
          version: r.version,
          requests: num(r.requests),
          latencySum: num(r.latency_sum),
          latency: emptyLatency(),
          errorsByClass: {},
        });
        dropped[r.deployment] = (dropped[r.deployment] ?? 0) + num(r.dropped);
      }
      for (const r of latency) {
        const row = byKey.get(`${r.deployment}\u0000${r.model}\u0000${r.version}`);
        if (row !== undefined && num(r.bucket) < row.latency.length) row.latency[num(r.bucket)] = num(r.count);
      }
      for (const r of errors) {
        const row = byKey.get(`${r.deployment}\u0000${r.model}\u0000${r.version}`);
        if (row !== undefined) row.errorsByClass[r.class] = num(r.count);
      }
      return {
        rows: [...byKey.values()],
        dropped,
        batches: Object.fromEntries(batches.map((b) => [b.deployment, num(b.n)])),
        backends: await backendReads.backendTotals(),
        lookups: await lookupReads.lookupTotals(),
      };
    },

    async recentSamples({ deployment, limit }) {
      const rows = await db
        .selectFrom("samples as s")
        .innerJoin("deployments as d", "d.id", "s.deployment_id")
        .innerJoin("series as se", "se.id", "s.series_id")
        .innerJoin("batches as b", "b.id", "s.batch_ref")
        .select([
          "s.ts",
          "d.name",
          "se.model",
          "se.version",
          "b.batch_id",
          "s.request_id",
          "s.idx",
          "s.latency_ms",
          "s.status",
          "s.error",
          "s.features",
          "s.prediction",
          "s.slices",
        ])
        .where("s.deployment_id", "=", (eb) => eb.selectFrom("deployments").select("id").where("name", "=", deployment))
        .orderBy("s.id", "desc")
        .limit(limit)
        .execute();
      return rows.map(
        (r): SampleRow => ({
          ts: num(r.ts),
          deployment: r.name,
          model: r.model,
          version: r.version,
          batchId: r.batch_id,
          requestId: r.request_id,
          index: numOrNull(r.idx),
          latencyMs: num(r.latency_ms),
          status: num(r.status),
          error: r.error,
          features: r.features === null ? null : (JSON.parse(r.features) as Record<string, unknown>),
          prediction: r.prediction === null ? null : (JSON.parse(r.prediction) as unknown),
          slices: r.slices === null ? null : (JSON.parse(r.slices) as Record<string, string>),
        }),
      );
    },
  };
}
