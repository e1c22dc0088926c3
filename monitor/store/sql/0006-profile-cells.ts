/**
 * Migration 0006 (issue 15, several writers): profiles become additive cells (`profile_cells`, see
 * ./profile-cells.ts) that the database merges with upserts, instead of JSON documents merged by read-modify-write in
 * one process. `batches.nonce` marks the attempt that stored a batch, so every statement of an ingest plan
 * (./ingest-plan.ts) can be guarded without branching; `profile_conflicts` holds, for the length of one plan, the
 * profiles whose bins differ from the stored ones. The rows of `bucket_profiles` are moved into cells, so an old
 * database keeps its history, and the table is dropped.
 *
 * @example
 * ```ts
 * const migration = profileCells(SQLITE_FLAVOR); // "0006_profile_cells"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";
import { profileCells as cellsOf } from "./profile-cells.ts";
import type { Profile } from "../../../core/stats/profile-schema.ts";

const KEY = ["deployment", "model", "version", "slice_key", "slice_value", "bucket"] as const;
/** Cells per insert: 9 columns each, under D1's 100 bound parameters. */
const CHUNK = 11;

interface Old {
  bucket_profiles: { deployment: string; model: string; version: string; slice_key: string; slice_value: string; bucket: number; profile: string };
  profile_cells: {
    deployment: string;
    model: string;
    version: string;
    slice_key: string;
    slice_value: string;
    bucket: number;
    feature: string;
    cell: string;
    value: number;
  };
}

export function profileCells(f: SchemaFlavor): Migration {
  return {
    async up(raw: Kysely<unknown>) {
      const db = raw as Kysely<Old>;
      await db.schema.alterTable("batches").addColumn("nonce", "text").execute();
      // Slice before bucket, as bucket_profiles: drift reads the overall cells of a version over a time range as one range scan.
      await db.schema
        .createTable("profile_cells")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("slice_key", "text", (c) => c.notNull())
        .addColumn("slice_value", "text", (c) => c.notNull())
        .addColumn("bucket", f.int, (c) => c.notNull())
        .addColumn("feature", "text", (c) => c.notNull())
        .addColumn("cell", "text", (c) => c.notNull())
        .addColumn("value", f.real, (c) => c.notNull())
        .addPrimaryKeyConstraint("profile_cells_pk", [...KEY, "feature", "cell"])
        .$call(f.clustered)
        .execute();
      await db.schema
        .createTable("profile_conflicts")
        .addColumn("nonce", "text", (c) => c.notNull())
        .addColumn("slice_key", "text", (c) => c.notNull())
        .addColumn("slice_value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("profile_conflicts_pk", ["nonce", "slice_key", "slice_value"])
        .$call(f.clustered)
        .execute();
      // One series (deployment, version, slice value) at a time: memory stays bounded on a large database.
      const series = await db.selectFrom("bucket_profiles").select(["deployment", "model", "version", "slice_key", "slice_value"]).distinct().execute();
      for (const s of series) {
        const rows = await db
          .selectFrom("bucket_profiles")
          .select(["bucket", "profile"])
          .where("deployment", "=", s.deployment)
          .where("model", "=", s.model)
          .where("version", "=", s.version)
          .where("slice_key", "=", s.slice_key)
          .where("slice_value", "=", s.slice_value)
          .execute();
        const cells = rows.flatMap((r) => cellsOf(JSON.parse(r.profile) as Profile).map((c) => ({ ...s, bucket: Number(r.bucket), ...c })));
        for (let i = 0; i < cells.length; i += CHUNK)
          await db
            .insertInto("profile_cells")
            .values(cells.slice(i, i + CHUNK))
            .execute();
      }
      await db.schema.dropTable("bucket_profiles").execute();
    },
  };
}
