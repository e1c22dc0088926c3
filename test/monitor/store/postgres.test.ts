/**
 * What only the Postgres store promises, beyond the contract (../store-contract.test.ts, which runs on Postgres too):
 * several stores (as several monitor processes would) on one database migrate it once when they start together, store
 * a batch sent to all of them at the same instant once, and lose no counter or profile count when they write the
 * same rows at once; a wrong URL or an unreachable server is one user error that says what to check and never
 * repeats the password. And the store string of `--store` / $EDGE_ML_MONITOR_STORE picks the store.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { mergeProfiles } from "../../../core/stats/profile.ts";
import type { MonitorStore } from "../../../monitor/store/contract.ts";
import { describeStore, parseStoreSpec } from "../../../monitor/store/open.ts";
import { openPostgresStore } from "../../../monitor/store/postgres/store.ts";
import { POSTGRES_FLAVOR } from "../../../monitor/store/sql/flavor.ts";
import { monitorMigrations } from "../../../monitor/store/sql/migrations.ts";
import { freshDatabase, sharedPostgres } from "../../helpers/postgres.ts";
import { batchAt, makeBatch, makeProfile } from "../helpers.ts";

const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);
const opened: MonitorStore[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
});
const open = async (url: string) => {
  const s = await openPostgresStore({ url });
  opened.push(s);
  return s;
};

const rounded = (x: unknown): unknown =>
  typeof x === "number"
    ? Number(x.toPrecision(12))
    : Array.isArray(x)
      ? x.map(rounded)
      : x !== null && typeof x === "object"
        ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rounded(v)]))
        : x;

async function failure(p: Promise<unknown>): Promise<EdgeMlError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(EdgeMlError);
  return e as EdgeMlError;
}

describe("Postgres store", () => {
  it("is migrated once when several stores open an empty database at the same moment", async () => {
    const url = await freshDatabase();
    const stores = await Promise.all([open(url), open(url), open(url), open(url)]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>("select name from kysely_migration order by name");
      expect(rows.map((r) => r.name)).toEqual(Object.keys(monitorMigrations(POSTGRES_FLAVOR)).sort());
    } finally {
      await client.end();
    }
    for (const s of stores) expect(await s.listDeployments()).toEqual([]);
  });

  it("keeps two B-trees on samples (migration 0010): the key (deployment_id, id) and request ids, plus a BRIN on times", async () => {
    const url = await freshDatabase();
    const store = await open(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ indexname: string; indexdef: string }>(
        "select indexname, indexdef from pg_indexes where tablename = 'samples' order by indexname",
      );
      expect(rows.map((r) => [r.indexname, r.indexdef.replace(/^.* USING /, "")])).toEqual([
        ["samples_by_request", "btree (request_id)"],
        ["samples_by_ts", "brin (ts) WITH (autosummarize='on')"],
        ["samples_pkey", "btree (deployment_id, id)"],
      ]);
      // What the dropped indexes were for still reads by an index: a deployment's newest samples, expired samples.
      await store.ingest(TelemetryBatch.parse(makeBatch({ batchId: "indexes-1" })), MINUTE);
      await client.query("set enable_seqscan = off; set enable_sort = off");
      const plan = async (q: string) => (await client.query(`explain ${q}`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(await plan("select * from samples where deployment_id = 1 order by id desc limit 5")).toContain("Index Scan Backward using samples_pkey");
      expect(await plan("delete from samples where ts < 1000")).toContain("Bitmap Index Scan on samples_by_ts");
      expect((await store.recentSamples({ deployment: "prod", limit: 5 })).length).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it("stores a batch sent to two stores at the same instant once, every time", async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    let stored = 0;
    for (let i = 0; i < 40; i++) {
      const batch = TelemetryBatch.parse(makeBatch({ batchId: `same-batch-${i}` }));
      const results = await Promise.all([a!.ingest(batch, MINUTE), b!.ingest(batch, MINUTE)]);
      expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
      stored += results.filter((r) => !r.duplicate).length;
    }
    expect(stored).toBe(40);
    const totals = await a!.totals();
    expect(totals.rows.map((r) => r.requests)).toEqual([400]);
    expect(totals.batches).toEqual({ prod: 40 });
  });

  it("adds counters and profiles written by two stores at once into the same rows, losing nothing", async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const profiles = Array.from({ length: 60 }, (_, i) => makeProfile(5 + (i % 4), i));
    const batches = profiles.map((p, i) => TelemetryBatch.parse(batchAt(MINUTE + 30_000, p, 1 + (i % 5))));
    // Eight writers at a time over the two stores, all into the same minute and bucket.
    let next = 0;
    const writer = async (store: MonitorStore) => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        expect(await store.ingest(batch, MINUTE + 31_000)).toEqual({ duplicate: false });
      }
    };
    await Promise.all([a, b, a, b, a, b, a, b].map((s) => writer(s!)));
    const requests = batches.reduce((n, x) => n + x.counters.requests, 0);
    expect((await b!.totals()).rows.map((r) => r.requests)).toEqual([requests]);
    const [overall] = await a!.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "overall" });
    // Counts exact; float sums equal up to the order of addition.
    expect(rounded(overall?.profile)).toEqual(rounded(profiles.map((p) => p.overall).reduce((x, y) => mergeProfiles(x, y))));
  });

  it("stores values with quotes, backslashes, tabs, newlines and SQL in them as they are (literals, arrays and COPY)", async () => {
    const store = await open(await freshDatabase());
    const nasty = `it's a \\ "test"'); drop table samples; --`;
    const batch = TelemetryBatch.parse(
      makeBatch({
        batchId: "quotes-and-backslashes-1",
        samples: [
          // Rows go to Postgres as array literals (one per column): what is special in them must survive too.
          { ts: 4, requestId: "NULL", latencyMs: 1, status: 200, error: '{"a",b}\\', features: { q: "{1,2}" } },
          { ts: 5, requestId: nasty, latencyMs: -0, status: 200, error: `E'\\x00'`, features: { [nasty]: nasty, n: -1.5e-7 }, slices: { sex: nasty } },
          // Samples are streamed with COPY (text format): its separators, escapes and NULL marker as plain text.
          { ts: 6, requestId: "a\tb\nc\rd\\N", latencyMs: 2.5, status: 500, error: "\\N", features: { "\t": "x\ty\n\\N" } },
        ],
      }),
    );
    expect(await store.ingest(batch, MINUTE)).toEqual({ duplicate: false });
    const [copied, row, first] = await store.recentSamples({ deployment: "prod", limit: 3 });
    expect(copied).toMatchObject({ requestId: "a\tb\nc\rd\\N", latencyMs: 2.5, status: 500, error: "\\N", features: { "\t": "x\ty\n\\N" } });
    expect(row).toMatchObject({ requestId: nasty, error: `E'\\x00'`, features: { [nasty]: nasty, n: -1.5e-7 }, slices: { sex: nasty } });
    expect(first).toMatchObject({ requestId: "NULL", error: '{"a",b}\\', features: { q: "{1,2}" } });
  });

  it("says what to check when the server cannot be reached, without the password", async () => {
    const server = await sharedPostgres();
    // A port nothing listens on: the server's own port plus one is not guaranteed free, so ask the OS.
    const { createServer } = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const refused = await failure(openPostgresStore({ url: `postgres://monitor:s3cret-pw@127.0.0.1:${port}/monitor` }));
    expect(refused.code).toBe("ERR_BAD_CONFIG");
    expect(refused.message).toBe(`cannot reach Postgres at 127.0.0.1:${port}/monitor (ECONNREFUSED)`);
    expect(refused.hint).toContain("pg_isready");
    expect(JSON.stringify({ m: refused.message, h: refused.hint, s: refused.stack })).not.toContain("s3cret-pw");

    const noDb = await failure(openPostgresStore({ url: server.url("nope") }));
    expect(noDb.message).toBe(`Postgres at 127.0.0.1:${server.port}/nope has no database nope`);
    expect(noDb.hint).toContain(`createdb -h 127.0.0.1 -p ${server.port} nope`);

    const noRole = await failure(openPostgresStore({ url: `postgres://ghost:s3cret-pw@127.0.0.1:${server.port}/postgres` }));
    expect(noRole.message).toContain("refused user ghost");
    expect(noRole.hint).toContain("user and password");
    expect(`${noRole.message} ${noRole.hint}`).not.toContain("s3cret-pw");

    const bad = await failure(openPostgresStore({ url: "postgres://monitor:s3cret-pw@[bad/monitor" }));
    expect(bad.code).toBe("ERR_USAGE");
    expect(`${bad.message} ${bad.hint}`).not.toContain("s3cret-pw");
  });
});

describe("store strings (--store, $EDGE_ML_MONITOR_STORE)", () => {
  it("pick Postgres for postgres:// URLs and SQLite for sqlite:<file> or a path", () => {
    expect(parseStoreSpec("postgres://u@h:5432/d")).toEqual({ kind: "postgres", url: "postgres://u@h:5432/d" });
    expect(parseStoreSpec("postgresql://u@h/d").kind).toBe("postgres");
    expect(parseStoreSpec("sqlite:/tmp/m.db")).toEqual({ kind: "sqlite", file: "/tmp/m.db" });
    expect(parseStoreSpec("/tmp/x/monitor.db")).toEqual({ kind: "sqlite", file: "/tmp/x/monitor.db" });
    expect(() => parseStoreSpec("mysql://root:pw@db/monitor")).toThrow(/the monitor has no mysql store \(mysql:\/\/root:\*\*\*@db\/monitor\)/);
  });

  it("are printed without the password", () => {
    expect(describeStore("postgres://monitor:s3cret@db.internal:5432/monitor")).toBe("postgres://monitor:***@db.internal:5432/monitor");
    expect(describeStore("postgres://monitor@db/monitor")).toBe("postgres://monitor@db/monitor");
    expect(describeStore("sqlite:/tmp/m.db")).toBe("/tmp/m.db");
  });
});
