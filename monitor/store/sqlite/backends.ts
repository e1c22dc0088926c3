/**
 * Backends in the SQLite store (migration 0004): the ingest transaction adds a batch's requests to its device's
 * minute row and keeps the device's last engine and reason; reads sum the minute rows over a range (per model
 * version and device) or over all time (for `/metrics`), never the batches.
 *
 * @example
 * ```ts
 * const writeBackend = createBackendWriter(db, sqlite); // inside the ingest transaction:
 * writeBackend(batch, minute, receivedAt);
 * const rows = await createBackendReads(db).backends({ deployment: "prod", from, to });
 * ```
 */
import type { Database } from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import type { BackendRow, BackendTotalsRow, MonitorStore } from "../contract.ts";
import type { MonitorDb } from "./migrations.ts";
import { prepareRun } from "./prepared.ts";

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number(v ?? 0));

/** The write side: call it inside the ingest transaction, with the minute the batch's counters land in. */
export function createBackendWriter(db: Kysely<MonitorDb>, sqlite: Database): (batch: TelemetryBatch, minute: number, receivedAt: number) => void {
  const addRequests = prepareRun<MonitorDb["minute_backends"]>(sqlite, ["deployment", "model", "version", "minute", "device", "requests"], (v) =>
    db
      .insertInto("minute_backends")
      .values(v)
      .onConflict((oc) => oc.columns(["deployment", "model", "version", "minute", "device"]).doUpdateSet({ requests: sql`requests + excluded.requests` })),
  );
  const touch = prepareRun<MonitorDb["backends"]>(sqlite, ["deployment", "model", "version", "device", "engine", "reason", "last_seen"], (v) =>
    db
      .insertInto("backends")
      .values(v)
      .onConflict((oc) =>
        // A batch that gives no engine or reason keeps the last one given: "why WASM" outlives the next quiet batch.
        oc.columns(["deployment", "model", "version", "device"]).doUpdateSet({
          engine: sql`coalesce(excluded.engine, engine)`,
          reason: sql`coalesce(excluded.reason, reason)`,
          last_seen: sql`max(last_seen, excluded.last_seen)`,
        }),
      ),
  );
  return (batch, minute, receivedAt) => {
    const b = batch.backend;
    if (b === undefined) return;
    const at = { deployment: batch.deployment, model: batch.model.name, version: batch.model.version, device: b.device };
    if (batch.counters.requests > 0) addRequests({ ...at, minute, requests: batch.counters.requests });
    touch({ ...at, engine: b.engine ?? null, reason: b.reason ?? null, last_seen: receivedAt });
  };
}

export function createBackendReads(db: Kysely<MonitorDb>): Pick<MonitorStore, "backends"> & { backendTotals(): Promise<BackendTotalsRow[]> } {
  return {
    async backends({ deployment, from, to }) {
      const rows = await db
        .selectFrom("minute_backends as m")
        .innerJoin("backends as b", (j) =>
          j.onRef("b.deployment", "=", "m.deployment").onRef("b.model", "=", "m.model").onRef("b.version", "=", "m.version").onRef("b.device", "=", "m.device"),
        )
        .select((eb) => ["m.model", "m.version", "m.device", eb.fn.sum<number>("m.requests").as("requests"), "b.engine", "b.reason", "b.last_seen"])
        .where("m.deployment", "=", deployment)
        .where("m.minute", ">=", from)
        .where("m.minute", "<", to)
        .groupBy(["m.model", "m.version", "m.device", "b.engine", "b.reason", "b.last_seen"])
        .execute();
      return rows
        .map(
          (r): BackendRow => ({
            model: r.model,
            version: r.version,
            device: r.device,
            requests: num(r.requests),
            engine: r.engine,
            reason: r.reason,
            lastSeen: num(r.last_seen),
          }),
        )
        .sort(
          (a, b) =>
            a.model.localeCompare(b.model) ||
            a.version.localeCompare(b.version, undefined, { numeric: true }) ||
            b.requests - a.requests ||
            a.device.localeCompare(b.device),
        );
    },

    async backendTotals() {
      const rows = await db
        .selectFrom("minute_backends")
        .select((eb) => ["deployment", "model", "version", "device", eb.fn.sum<number>("requests").as("requests")])
        .groupBy(["deployment", "model", "version", "device"])
        .orderBy("deployment")
        .orderBy("model")
        .orderBy("version")
        .orderBy("device")
        .execute();
      return rows.map((r) => ({ ...r, requests: num(r.requests) }));
    },
  };
}
