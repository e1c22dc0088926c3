/**
 * What only the SQLite store promises, beyond the contract (../store-contract.test.ts): the file holds token hashes,
 * never tokens; the profile bucket must divide a minute; and the shared migrations keep SQLite's own DDL (rowid keys,
 * WITHOUT ROWID tables), so databases created before the migrations were shared and after them are alike.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { MIGRATIONS, type MonitorDb } from "../../../monitor/store/sqlite/migrations.ts";
import { openSqliteStore } from "../../../monitor/store/sqlite/store.ts";
import { createToken, sha256Hex } from "../../../monitor/tokens.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { makeBatch } from "../helpers.ts";

function schemaOf(file: string): Record<string, string> {
  const raw = new Database(file, { readonly: true });
  try {
    const rows = raw.prepare("select name, sql from sqlite_master where type = 'table' and name not like 'kysely%'").all() as { name: string; sql: string }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.sql]));
  } finally {
    raw.close();
  }
}

describe("SQLite store", () => {
  it("stores only the SHA-256 of a token", async () => {
    const file = join(tempDir(), "m.db");
    const store = await openSqliteStore({ file });
    const created = await createToken(store, "prod", 1000);
    await store.close();
    expect(created.token).toMatch(/^edgeml_[A-Za-z0-9_-]{43}$/);
    expect(created.id).toMatch(/^tok_[0-9a-f]{12}$/);
    const raw = new Database(file, { readonly: true });
    const rows = raw.prepare("select * from tokens").all() as Record<string, unknown>[];
    raw.close();
    expect(rows).toEqual([
      { id: created.id, deployment: "prod", hash: await sha256Hex(created.token), prefix: created.token.slice(0, 13), created_at: 1000, revoked_at: null },
    ]);
    expect(JSON.stringify(rows)).not.toContain(created.token);
    // sha256("abc") from FIPS 180-2: the standard hash, so any store (D1, Postgres) can compute it too.
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("refuses a profile bucket that does not divide a minute", async () => {
    await expect(openSqliteStore({ file: ":memory:", profileBucketMs: 7000 })).rejects.toThrow(/divide a minute/);
  });

  it("keeps SQLite's DDL: rowid ids, WITHOUT ROWID counter tables, the refusals table of migration 0003, the backends of 0004, the rollouts of 0005, the profile cells of 0006, the roll-ups of 0007, the leases of 0008, the lookups of 0009", async () => {
    const file = join(tempDir(), "m.db");
    await (await openSqliteStore({ file })).close();
    const schema = schemaOf(file);
    expect(schema["samples"]).toContain('"id" integer primary key');
    expect(schema["minute_counters"]).toMatch(/\) without rowid$/);
    expect(schema["profile_cells"]).toMatch(/\) without rowid$/);
    expect(schema["profile_cells"]).toContain('"value" real not null');
    expect(schema["minute_counters"]).toContain('"latency_sum" real not null');
    expect(schema["minute_backends"]).toMatch(/\) without rowid$/);
    expect(schema["backends"]).toMatch(/\) without rowid$/);
    expect(schema["minute_rollouts"]).toMatch(/\) without rowid$/);
    expect(schema["hour_profile_cells"]).toMatch(/\) without rowid$/);
    expect(schema["minute_lookups"]).toMatch(/\) without rowid$/);
    expect(schema["day_lookups"]).toContain('"age_max" real not null');
    expect(schema["leases"]).toBe('CREATE TABLE "leases" ("name" text primary key, "holder" text not null, "expires_at" integer not null)');
    expect(schema["refusals"]).toBe(
      'CREATE TABLE "refusals" ("deployment" text primary key, "at" integer not null, "status" integer not null, "code" text not null, "reason" text not null, "token_id" text)',
    );
    expect(Object.keys(schema).sort()).toEqual([
      "alert_events",
      "alert_rules",
      "backends",
      "baselines",
      "batches",
      "day_backends",
      "day_counters",
      "day_errors",
      "day_latency",
      "day_lookups",
      "day_profile_cells",
      "day_rollouts",
      "deployments",
      "hour_backends",
      "hour_counters",
      "hour_errors",
      "hour_latency",
      "hour_lookups",
      "hour_profile_cells",
      "hour_rollouts",
      "labels",
      "leases",
      "minute_backends",
      "minute_counters",
      "minute_errors",
      "minute_latency",
      "minute_lookups",
      "minute_rollouts",
      "profile_cells",
      "profile_conflicts",
      "refusals",
      "samples",
      "series",
      "tokens",
      "webhook_attempts",
      "webhook_deliveries",
    ]);
  });

  it("upgrades a database created before migration 0004: its data stays, and batches with a backend are split by device", async () => {
    const file = join(tempDir(), "m.db");
    const sqlite = new Database(file);
    const db = new Kysely<MonitorDb>({ dialect: new SqliteDialect({ database: sqlite }) });
    const before = await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo("0003_refusals");
    expect(before.error).toBeUndefined();
    await db.destroy();
    expect(Object.keys(schemaOf(file))).not.toContain("minute_backends");

    const store = await openSqliteStore({ file });
    try {
      await store.ingest(
        TelemetryBatch.parse(makeBatch({ backend: { device: "wasm", reason: "no WebGPU adapter; using WASM" } })),
        Date.UTC(2026, 0, 1, 12, 1),
      );
      expect((await store.totals()).backends).toEqual([{ deployment: "prod", model: "titanic", version: "1.0.0", device: "wasm", requests: 10 }]);
    } finally {
      await store.close();
    }
  });
});
