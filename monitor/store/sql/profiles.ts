/**
 * Profile reads of every SQL store: the additive cells (migration 0006, ./profile-cells.ts) of the buckets asked for,
 * reassembled into one `Profile` per (bucket, slice value). Writes are the ingest plan's (./ingest-plan.ts): the
 * database adds the cells, so any number of writers can share the tables.
 *
 * @example
 * ```ts
 * const { profiles } = createProfileReads(db, 60_000);
 * const rows = await profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from, to, slices: "overall" });
 * ```
 */
import type { Kysely } from "kysely";
import type { MlStore, ProfileRow } from "../contract-ml.ts";
import { num } from "./num.ts";
import { assembleProfile, type Cell } from "./profile-cells.ts";
import { allResolutions } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";

export function createProfileReads(db: Kysely<MonitorDb>, bucketMs: number): Pick<MlStore, "profileBucketMs" | "profiles" | "profileSeries"> {
  return {
    profileBucketMs: bucketMs,
    async profiles(q) {
      let query = db
        .selectFrom(allResolutions("profile_cells"))
        .select(["bucket", "slice_key", "slice_value", "feature", "cell", "value"])
        .where("deployment", "=", q.deployment)
        .where("model", "=", q.model)
        .where("version", "=", q.version);
      if (q.slices === "overall") query = query.where("slice_key", "=", "");
      else if (q.slices !== "all") query = query.where("slice_key", "in", ["", q.slices.key]);
      const rows = await query.where("bucket", ">=", q.from).where("bucket", "<", q.to).execute();
      const groups = new Map<string, { bucket: number; sliceKey: string; sliceValue: string; cells: Cell[] }>();
      for (const r of rows) {
        const bucket = num(r.bucket);
        const id = `${bucket}\u0000${r.slice_key}\u0000${r.slice_value}`;
        let g = groups.get(id);
        if (g === undefined) groups.set(id, (g = { bucket, sliceKey: r.slice_key, sliceValue: r.slice_value, cells: [] }));
        g.cells.push({ feature: r.feature, cell: r.cell, value: num(r.value) });
      }
      return [...groups.values()].map((g): ProfileRow => {
        const profile = assembleProfile(g.cells);
        return { bucket: g.bucket, sliceKey: g.sliceKey, sliceValue: g.sliceValue, rows: profile.rows, profile };
      });
    },
    async profileSeries(deployment) {
      const rows = await db
        .selectFrom(allResolutions("profile_cells"))
        .select((eb) => ["model", "version", eb.fn.min<number>("bucket").as("first"), eb.fn.max<number>("bucket").as("last")])
        .where("deployment", "=", deployment)
        .where("slice_key", "=", "")
        .where("feature", "=", "")
        .where("cell", "=", "rows")
        .groupBy(["model", "version"])
        .execute();
      return rows
        .map((r) => ({ model: r.model, version: r.version, firstBucket: num(r.first), lastBucket: num(r.last) }))
        .sort((a, b) => b.lastBucket - a.lastBucket);
    },
  };
}
