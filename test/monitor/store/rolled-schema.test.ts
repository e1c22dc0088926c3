/**
 * The live spec of the rolled tables (monitor/store/sql/rollup.ts ROLLED_TABLES, which compaction and reads use)
 * equals the schema the migrations build, which keep frozen copies of it: a column added to the spec without the
 * migration that adds it, or a migration that changes a table the spec does not follow, fails here.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROLLED_TABLES } from "../../../monitor/store/sql/rollup.ts";
import { openSqliteStore } from "../../../monitor/store/sqlite/store.ts";
import { tempDir } from "../../helpers/tmp.ts";

const SQLITE_TYPES = { text: "TEXT", int: "INTEGER", real: "REAL" } as const;

it("every rolled table and its hourly and daily twins have the spec's columns, types and primary key after all migrations", async () => {
  const file = join(tempDir(), "monitor.db");
  await (await openSqliteStore({ file })).close();
  const db = new Database(file, { readonly: true });
  try {
    for (const spec of ROLLED_TABLES) {
      for (const table of [spec.source, spec.hour, spec.day]) {
        const info = db.prepare(`select name, type, pk from pragma_table_info(?) order by cid`).all(table) as { name: string; type: string; pk: number }[];
        expect(
          info.map((c) => [c.name, c.type]),
          table,
        ).toEqual(spec.columns.map(([name, , type]) => [name, SQLITE_TYPES[type]]));
        const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
        expect(
          key.map((c) => c.name),
          table,
        ).toEqual([...spec.key]);
      }
    }
  } finally {
    db.close();
  }
});
