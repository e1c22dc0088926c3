/**
 * What is particular to the D1 store (the contract suite runs it like every store: ./store-contract.test.ts): its
 * migrations without kysely's Migrator give the same schema and history as the SQLite store, also when two isolates
 * start at once, and its dialect refuses interactive transactions (D1 has none) with the way out.
 */
import { Kysely } from "kysely";
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { D1Database } from "../../monitor/store/d1/binding.ts";
import { d1Dialect } from "../../monitor/store/d1/driver.ts";
import { migrateD1 } from "../../monitor/store/d1/migrations.ts";
import { monitorMigrations } from "../../monitor/store/sql/migrations.ts";
import { SQLITE_FLAVOR } from "../../monitor/store/sqlite/flavor.ts";
import { openSqliteStore } from "../../monitor/store/sqlite/store.ts";
import { tempDir } from "../helpers/tmp.ts";
import { localD1 } from "./d1-store.ts";

const SCHEMA = `select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' and name not like '_cf_%' and name not like 'd1_%' order by name`;

async function d1Rows<T>(d1: D1Database, sql: string): Promise<T[]> {
  return (await d1.prepare(sql).bind().all<T>()).results;
}

describe("D1 store", () => {
  it("migrates to the SQLite store's exact schema and history, once, also when two isolates start at once", async () => {
    const d1 = await localD1();
    const runs = await Promise.all([migrateD1(d1), migrateD1(d1)]);
    const names = Object.keys(monitorMigrations(SQLITE_FLAVOR)).sort();
    expect([...runs[0]!, ...runs[1]!].sort()).toEqual(names);
    expect(await migrateD1(d1)).toEqual([]);
    expect((await d1Rows<{ name: string }>(d1, `select name from kysely_migration order by name`)).map((r) => r.name)).toEqual(names);

    const file = join(tempDir(), "monitor.db");
    await (await openSqliteStore({ file })).close();
    const sqlite = new Database(file, { readonly: true });
    try {
      const reference = sqlite.prepare(SCHEMA).all();
      expect(reference.length).toBeGreaterThan(20);
      expect(await d1Rows(d1, SCHEMA)).toEqual(reference);
    } finally {
      sqlite.close();
    }
  }, 60_000);

  it("refuses an interactive transaction and says to batch instead", async () => {
    const db = new Kysely<{ t: { x: number } }>({ dialect: d1Dialect(await localD1()) });
    await expect(db.transaction().execute(async () => undefined)).rejects.toThrow(/no interactive transactions.*batch/);
  });
});
