/**
 * Profiles in SQLite: a batch's profiles are added into one row per (deployment, version, slice value, bucket)
 * inside the ingest transaction, so they commit (or not) with the batch's counters and an idempotent resend never
 * adds them twice. Reads return those pre-aggregated rows; analytics merge them per window.
 *
 * The add is a read-modify-write of a small JSON document (counts in the baseline's bins). Rows written recently are
 * kept parsed in memory so the hot path skips the read and the parse: only this process writes profiles, and a row
 * is cached only after its transaction committed.
 *
 * @example
 * ```ts
 * const writer = createProfileWriter(db, sqlite, 60_000);
 * writer.write(batch, receivedAt, pending); // inside the ingest transaction; writer.commit(pending) after it
 * ```
 */
import type { Database } from "better-sqlite3";
import type { Kysely } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { mergeProfiles, type Profile } from "../../../core/stats/profile.ts";
import type { MonitorDb } from "./migrations.ts";
import { prepareGet, prepareRun } from "./prepared.ts";
import type { MlStore, ProfileRow } from "../contract-ml.ts";

/** Parsed rows kept in memory; past this the cache starts over (rows of old buckets are rarely written again). */
const CACHE_ROWS = 4096;

type Key = { deployment: string; model: string; version: string; slice_key: string; slice_value: string; bucket: number };

export type PendingProfiles = Map<string, Profile>;

export function createProfileWriter(db: Kysely<MonitorDb>, sqlite: Database, bucketMs: number) {
  const keys = ["deployment", "model", "version", "slice_key", "slice_value", "bucket"] as const;
  const read = prepareGet<Key, { profile: string }>(sqlite, [...keys], (k) =>
    db
      .selectFrom("bucket_profiles")
      .select("profile")
      .where("deployment", "=", k.deployment)
      .where("model", "=", k.model)
      .where("version", "=", k.version)
      .where("slice_key", "=", k.slice_key)
      .where("slice_value", "=", k.slice_value)
      .where("bucket", "=", k.bucket),
  );
  const upsert = prepareRun<Key & { rows: number; profile: string }>(sqlite, [...keys, "rows", "profile"], (v) =>
    db
      .insertInto("bucket_profiles")
      .values(v)
      .onConflict((oc) => oc.columns([...keys]).doUpdateSet((eb) => ({ rows: eb.ref("excluded.rows"), profile: eb.ref("excluded.profile") }))),
  );
  let cache = new Map<string, Profile>();
  let conflicts = 0;

  function add(k: Key, incoming: Profile, pending: PendingProfiles): void {
    const id = `${k.deployment}\u0000${k.model}\u0000${k.version}\u0000${k.slice_key}\u0000${k.slice_value}\u0000${k.bucket}`;
    let stored = pending.get(id) ?? cache.get(id);
    if (stored === undefined) {
      const row = read(k);
      stored = row === undefined ? undefined : (JSON.parse(row.profile) as Profile);
    }
    let merged: Profile;
    try {
      merged = stored === undefined ? incoming : mergeProfiles(stored, incoming);
    } catch (error) {
      // Bins that do not match the stored ones (an edge built from another baseline under the same version): keep
      // the batch's counters and samples, drop this profile, and say so once in a while.
      if (conflicts++ % 1000 === 0) console.warn(`edge-ml monitor: profile of ${k.model}@${k.version} not merged: ${(error as Error).message}`);
      return;
    }
    upsert({ ...k, rows: merged.rows, profile: JSON.stringify(merged) });
    pending.set(id, merged);
  }

  return {
    /** Add the batch's profiles into their bucket rows (call inside the ingest transaction). */
    write(batch: TelemetryBatch, receivedAt: number, pending: PendingProfiles): void {
      const p = batch.profile;
      if (p === undefined) return;
      const bucket = Math.floor(Math.min(batch.window.end, receivedAt) / bucketMs) * bucketMs;
      const base = { deployment: batch.deployment, model: batch.model.name, version: batch.model.version, bucket };
      add({ ...base, slice_key: "", slice_value: "" }, p.overall, pending);
      for (const [key, values] of Object.entries(p.bySlice)) {
        for (const [value, profile] of Object.entries(values)) add({ ...base, slice_key: key, slice_value: value }, profile, pending);
      }
    },
    /** The transaction committed: its rows may now be served from memory. */
    commit(pending: PendingProfiles): void {
      if (cache.size + pending.size > CACHE_ROWS) cache = new Map();
      for (const [id, profile] of pending) cache.set(id, profile);
    },
  };
}

export function createProfileReads(db: Kysely<MonitorDb>, bucketMs: number): Pick<MlStore, "profileBucketMs" | "profiles" | "profileSeries"> {
  return {
    profileBucketMs: bucketMs,
    async profiles(q) {
      let query = db
        .selectFrom("bucket_profiles")
        .select(["bucket", "slice_key", "slice_value", "rows", "profile"])
        .where("deployment", "=", q.deployment)
        .where("model", "=", q.model)
        .where("version", "=", q.version);
      if (q.slices === "overall") query = query.where("slice_key", "=", "");
      else if (q.slices !== "all") query = query.where("slice_key", "in", ["", q.slices.key]);
      const rows = await query.where("bucket", ">=", q.from).where("bucket", "<", q.to).execute();
      return rows.map(
        (r): ProfileRow => ({ bucket: r.bucket, sliceKey: r.slice_key, sliceValue: r.slice_value, rows: r.rows, profile: JSON.parse(r.profile) as Profile }),
      );
    },
    async profileSeries(deployment) {
      const rows = await db
        .selectFrom("bucket_profiles")
        .select((eb) => ["model", "version", eb.fn.min<number>("bucket").as("first"), eb.fn.max<number>("bucket").as("last")])
        .where("deployment", "=", deployment)
        .where("slice_key", "=", "")
        .groupBy(["model", "version"])
        .execute();
      return rows
        .map((r) => ({ model: r.model, version: r.version, firstBucket: Number(r.first), lastBucket: Number(r.last) }))
        .sort((a, b) => b.lastBucket - a.lastBucket);
    },
  };
}
