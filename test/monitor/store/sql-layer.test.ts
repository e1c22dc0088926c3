/**
 * The shared SQL layer (monitor/store/sql/) on its own: profiles survive the trip to additive cells and back; the
 * ingest plan compiles to Postgres without SQLite-only SQL and binds at most 100 parameters per statement (D1); a plan
 * whose nonce lost the race (or that runs a second time) writes nothing; and migration 0006 moves the JSON profiles of
 * a database created at migration 0005 into cells.
 */
import Database from "better-sqlite3";
import { DummyDriver, Kysely, Migrator, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteDialect } from "kysely";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { mergeProfiles } from "../../../core/stats/profile.ts";
import { PORTABLE_FLAVOR, POSTGRES_FLAVOR } from "../../../monitor/store/sql/flavor.ts";
import { ingestPlan } from "../../../monitor/store/sql/ingest-plan.ts";
import { assembleProfile, profileCells } from "../../../monitor/store/sql/profile-cells.ts";
import type { MonitorDb } from "../../../monitor/store/sql/tables.ts";
import { SQLITE_FLAVOR } from "../../../monitor/store/sqlite/flavor.ts";
import { MIGRATIONS } from "../../../monitor/store/sqlite/migrations.ts";
import { openSqliteStore } from "../../../monitor/store/sqlite/store.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { batchAt, makeProfile } from "../helpers.ts";

const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);
const ALL = { deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER } as const;

function batchWithEverything() {
  const b = batchAt(MINUTE + 30_000, makeProfile(40, 1));
  b.counters.errors = { bad_request: 2, internal: 1 };
  b.backend = { device: "wasm", engine: "ort-wasm", reason: "no WebGPU" };
  b.rollout = { arm: "challenger", mode: "shadow" };
  b.samples = Array.from({ length: 30 }, (_, i) => ({
    ts: MINUTE + i,
    requestId: `r${i}`,
    latencyMs: 2,
    status: 200,
    features: { age: i },
    prediction: { score: 0.5 },
  }));
  return TelemetryBatch.parse(b);
}

async function sqliteDb(file: string, to?: string) {
  const db = new Kysely<MonitorDb>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error } = to === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(to);
  expect(error).toBeUndefined();
  return db;
}

describe("profile cells", () => {
  it("reassemble a profile exactly, and merge cell by cell as mergeProfiles does", () => {
    const [a, b] = [makeProfile(40, 1), makeProfile(25, 2)];
    for (const p of [a.overall, a.bySlice["sex"]!["male"]!, b.overall]) expect(assembleProfile(profileCells(p))).toEqual(p);
    const byKey = new Map<string, number>();
    for (const c of [...profileCells(a.overall), ...profileCells(b.overall)]) {
      const k = `${c.feature}\u0000${c.cell}`;
      const prev = byKey.get(k);
      byKey.set(
        k,
        prev === undefined
          ? c.value
          : c.cell === "min"
            ? Math.min(prev, c.value)
            : c.cell === "max"
              ? Math.max(prev, c.value)
              : c.cell === "kind"
                ? prev
                : prev + c.value,
      );
    }
    const cells = [...byKey].map(([k, value]) => ({ feature: k.split("\u0000")[0]!, cell: k.split("\u0000")[1]!, value }));
    expect(assembleProfile(cells)).toEqual(mergeProfiles(a.overall, b.overall));
  });
});

/** Kysely compiling for Postgres with nothing to run on (plans are only looked at). */
const postgresCompiler = () =>
  new Kysely<MonitorDb>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });

describe("ingest plan", () => {
  it("compiles to Postgres without SQLite-only SQL, at most 100 parameters per statement", () => {
    const db = postgresCompiler();
    const plan = ingestPlan(batchWithEverything(), MINUTE + 31_000, { db, flavor: PORTABLE_FLAVOR, profileBucketMs: 60_000 });
    const all = plan.queries.map((q) => q.sql).join("\n");
    expect(all).toContain("greatest(");
    expect(all).toContain("least(");
    expect(all).not.toMatch(/\b(min|max)\(|\binteger\b|\breal\b|\?/);
    expect(Math.max(...plan.queries.map((q) => q.parameters.length))).toBeLessThanOrEqual(100);
    expect(plan.queries[0]!.sql).toMatch(/^insert into "batches"/);
    expect(plan.queries.at(-1)!.sql).toMatch(/^update "batches" set "nonce" = null where "batch_id" = \$1 and "nonce" = \$2$/);
    expect(plan.profileConflicts.length).toBeGreaterThan(0);
  });

  it("sends Postgres one array per column: one statement per table whatever the row count, samples before the shared rows", () => {
    const db = postgresCompiler();
    const batch = batchWithEverything();
    const many = { ...batch, samples: Array.from({ length: 500 }, (_, j) => ({ ...batch.samples[0]!, requestId: `r-${j}` })) };
    const plan = ingestPlan(many, MINUTE + 31_000, { db, flavor: POSTGRES_FLAVOR, profileBucketMs: 60_000 });
    const samples = plan.queries.filter((q) => q.sql.includes('insert into "samples"'));
    expect(samples).toHaveLength(1);
    expect(samples[0]!.sql).toContain("unnest(cast($1 as bigint[]), cast($2 as text[])");
    expect(samples[0]!.parameters[1]).toHaveLength(500);
    const cells = plan.queries.filter((q) => q.sql.includes('insert into "profile_cells"'));
    expect(cells).toHaveLength(1);
    // Rows other batches of the deployment update (counters, profile cells, last_seen) come after the samples.
    const at = (re: RegExp) => plan.queries.findIndex((q) => re.test(q.sql));
    expect(at(/insert into "samples"/)).toBeLessThan(at(/insert into "minute_counters"/));
    expect(at(/insert into "minute_counters"/)).toBeLessThan(at(/insert into "profile_cells"/));
    expect(at(/^update "deployments"/)).toBe(plan.queries.length - 2);
  });

  it("writes nothing when its nonce lost the race, nor when it runs a second time", async () => {
    const db = await sqliteDb(join(tempDir(), "m.db"));
    const batch = batchWithEverything();
    const opts = { db, flavor: SQLITE_FLAVOR, profileBucketMs: 60_000 };
    const winner = ingestPlan(batch, MINUTE + 31_000, opts);
    const loser = ingestPlan(batch, MINUTE + 31_000, opts);
    expect(loser.nonce).not.toBe(winner.nonce);
    const run = async (queries: typeof winner.queries) => {
      const changed: number[] = [];
      await db.transaction().execute(async (tx) => {
        for (const q of queries) changed.push(Number((await tx.executeQuery(q)).numAffectedRows ?? 0));
      });
      return changed;
    };
    const won = await run(winner.queries);
    expect(won[0]).toBe(1);
    expect(won.every((n) => n > 0)).toBe(false); // the conflict statements and their cleanup touch nothing
    const dump = async () =>
      Promise.all(
        (
          [
            "batches",
            "deployments",
            "series",
            "minute_counters",
            "minute_latency",
            "minute_errors",
            "minute_backends",
            "backends",
            "minute_rollouts",
            "profile_cells",
            "samples",
          ] as const
        ).map((t) => db.selectFrom(t).selectAll().execute()),
      );
    const before = await dump();
    expect(before.map((rows) => rows.length).every((n) => n > 0)).toBe(true);
    for (const replay of [loser.queries, winner.queries]) {
      expect((await run(replay)).every((n) => n === 0)).toBe(true);
      expect(await dump()).toEqual(before);
    }
    expect(await db.selectFrom("profile_conflicts").selectAll().execute()).toEqual([]);
    await db.destroy();
  });
});

describe("migration 0006", () => {
  it("moves the profiles of a database created at migration 0005 into cells, and they keep adding up", async () => {
    const file = join(tempDir(), "m.db");
    const db = await sqliteDb(file, "0005_rollouts");
    const [a, b] = [makeProfile(40, 1), makeProfile(25, 2)];
    const old = db as unknown as Kysely<{
      bucket_profiles: {
        deployment: string;
        model: string;
        version: string;
        slice_key: string;
        slice_value: string;
        bucket: number;
        rows: number;
        profile: string;
      };
    }>;
    const key = { deployment: "prod", model: "titanic", version: "1.0.0" };
    const row = (sk: string, sv: string, bucket: number, p: typeof a.overall) => ({
      ...key,
      slice_key: sk,
      slice_value: sv,
      bucket,
      rows: p.rows,
      profile: JSON.stringify(p),
    });
    await old
      .insertInto("bucket_profiles")
      .values([row("", "", MINUTE, a.overall), row("sex", "male", MINUTE, a.bySlice["sex"]!["male"]!), row("", "", MINUTE + 60_000, b.overall)])
      .execute();
    await db.destroy();

    const store = await openSqliteStore({ file });
    try {
      const rows = await store.profiles({ ...ALL, slices: "all" });
      expect(rows.map((r) => [r.bucket - MINUTE, r.sliceKey, r.sliceValue, r.rows]).sort()).toEqual([
        [0, "", "", 40],
        [0, "sex", "male", a.bySlice["sex"]!["male"]!.rows],
        [60_000, "", "", 25],
      ]);
      expect(rows.find((r) => r.bucket === MINUTE && r.sliceKey === "")!.profile).toEqual(a.overall);
      await store.ingest(TelemetryBatch.parse(batchAt(MINUTE + 1000, b)), MINUTE + 2000);
      const [merged] = await store.profiles({ ...ALL, to: MINUTE + 60_000, slices: "overall" });
      expect(merged!.profile).toEqual(mergeProfiles(a.overall, b.overall));
      expect(await store.profileSeries("prod")).toEqual([{ model: "titanic", version: "1.0.0", firstBucket: MINUTE, lastBucket: MINUTE + 60_000 }]);
    } finally {
      await store.close();
    }
  });
});
