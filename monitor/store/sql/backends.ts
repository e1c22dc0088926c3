/**
 * Backends in every SQL store (migration 0004): the ingest plan (./ingest-plan.ts) adds a batch's requests to its
 * device's minute row and keeps the device's last engine and reason; these reads sum the minute rows over a range (per
 * model version and device) or over all time (for `/metrics`), never the batches.
 *
 * @example
 * ```ts
 * const rows = await createBackendReads(db).backends({ deployment: "prod", from, to });
 * ```
 */
import type { Kysely } from "kysely";
import type { BackendRow, BackendTotalsRow, MonitorStore } from "../contract.ts";
import { num } from "./num.ts";
import { allResolutions } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";

export function createBackendReads(db: Kysely<MonitorDb>): Pick<MonitorStore, "backends"> & { backendTotals(): Promise<BackendTotalsRow[]> } {
  return {
    async backends({ deployment, from, to }) {
      const rows = await db
        .selectFrom(allResolutions("minute_backends", "m"))
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
        .selectFrom(allResolutions("minute_backends"))
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
