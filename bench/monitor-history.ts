/**
 * Drift and slice query time at 1x and 10x stored history (issue 15, part 5): 9 days vs 90 days of per-minute
 * traffic, compacted by the default retention policy (minutes 48 h, hours 14 d, days kept), queried through the
 * monitor app, on SQLite and on a throwaway Postgres. Target: a query's time flat (≤ 1.2x) from 1x to 10x history.
 *
 * How the history is made: per-minute batches (100 profiled requests, 5 slice values) for the last 50 hours, which
 * stay per-minute; one batch per hour before that. Compaction keeps one row per hour (day) and slice value whatever
 * the traffic behind it, so the rows the queries read are those of per-minute traffic compacted, without ingesting
 * 130,000 batches first. On Postgres both databases are then rewritten and analyzed (`vacuum (full, analyze)`): the
 * fill put 88 days of hourly batches through the per-minute tables before one compaction deleted them, which leaves
 * those tables 1.6x the pages of the 1x database for the same live rows; a live monitor compacts every 10 minutes and
 * reuses that space, so its tables hold what they keep. Each query is timed 5 times (median), 1x and 10x
 * alternating, after a warm-up.
 *
 * @example
 * ```sh
 * BENCH_ONLY=monitor-history npm run bench   # SQLite and Postgres: bench/results/monitor-history.{json,md}
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { mulberry32 } from "../core/random.ts";
import { Manifest } from "../core/schema/manifest.ts";
import { LATENCY_BUCKETS_MS, TelemetryBatch, type BatchProfile } from "../core/schema/telemetry.ts";
import { createMonitor } from "../monitor/app.ts";
import { DEFAULT_RETENTION, formatRetention } from "../monitor/retention.ts";
import type { MonitorStore } from "../monitor/store/contract.ts";
import { openPostgresStore } from "../monitor/store/postgres/store.ts";
import { openSqliteStore } from "../monitor/store/sqlite/store.ts";
import { createProfileSet } from "../runtime/telemetry/profiles.ts";
import { startPostgres } from "../test/helpers/postgres-server.ts";
import { quantile, round } from "./stats.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PER_BATCH = 100;
const RUNS = 5;
/** The monitor's clock: the end of the history, on a day boundary plus a little. */
const NOW = Date.UTC(2026, 3, 1) + 7 * MIN;
const MINUTE_TAIL = 50 * HOUR;

export interface HistoryQueryRow {
  query: string;
  path: string;
  oneX: number;
  tenX: number;
  ratio: number;
}

export interface HistoryBench {
  store: string;
  policy: string;
  days: { oneX: number; tenX: number };
  /** Profile cells read by a whole-history drift query, per size (what the query costs). */
  rows: { oneX: StoredRows; tenX: StoredRows };
  queries: HistoryQueryRow[];
}

interface StoredRows {
  batches: number;
  ingestSeconds: number;
  compactSeconds: number;
  profileRows: number;
}

const manifest = Manifest.parse(JSON.parse(readFileSync(join(import.meta.dirname, "..", "models", "titanic", "1.0.0", "manifest.json"), "utf8")));

function makeProfiles(): BatchProfile[] {
  const random = mulberry32(7);
  return Array.from({ length: 50 }, () => {
    const set = createProfileSet(manifest.baseline!, manifest.slices);
    for (let i = 0; i < PER_BATCH; i++) {
      const score = random();
      const row = {
        sex: random() < 0.64 ? "male" : "female",
        age: random() < 0.2 ? null : Math.round(random() * 80),
        passengerClass: ["1st", "2nd", "3rd"][Math.floor(random() * 3)]!,
      };
      set.add([row], [{ score, label: score >= 0.5 ? "yes" : "no" }]);
    }
    return set.take()!;
  });
}

/** `days` of history ending at NOW: per-minute batches in the last 50 h, one per hour before; then the default compaction. */
async function fill(store: MonitorStore, days: number, profiles: BatchProfile[]): Promise<StoredRows> {
  const counts = LATENCY_BUCKETS_MS.map((_b, i) => (i === 3 ? PER_BATCH : 0)).concat(0);
  const ends: number[] = [];
  for (let t = NOW - days * DAY; t < NOW - MINUTE_TAIL; t += HOUR) ends.push(t + 1000);
  for (let t = Math.max(NOW - MINUTE_TAIL, NOW - days * DAY); t < NOW; t += MIN) ends.push(t + 1000);
  const t0 = performance.now();
  let seq = 0;
  for (const end of ends) {
    const batch = TelemetryBatch.parse({
      v: 1,
      batchId: `bench-history-${days}-${++seq}`,
      deployment: "bench",
      target: "worker",
      model: { name: "titanic", version: "1.0.0" },
      window: { start: end - 1000, end },
      counters: { requests: PER_BATCH, errors: {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: PER_BATCH * 3 }, dropped: 0 },
      profile: profiles[seq % profiles.length],
      samples: [],
    });
    await store.ingest(batch, end);
  }
  const t1 = performance.now();
  await store.compact(NOW, DEFAULT_RETENTION);
  const t2 = performance.now();
  const profileRows = (await store.profiles({ deployment: "bench", model: "titanic", version: "1.0.0", from: 0, to: NOW + DAY, slices: "all" })).length;
  return { batches: ends.length, ingestSeconds: round((t1 - t0) / 1000, 1), compactSeconds: round((t2 - t1) / 1000, 2), profileRows };
}

type App = ReturnType<typeof createMonitor>["app"];

async function once(app: App, path: string): Promise<number> {
  const t0 = performance.now();
  const res = await app.request(path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.json();
  return performance.now() - t0;
}

/** Medians of one query on both stores, alternating, after one warm-up each. */
async function timePair(a: App, b: App, path: (days: number) => string, days: [number, number]): Promise<[number, number]> {
  await once(a, path(days[0]));
  await once(b, path(days[1]));
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ta.push(await once(a, path(days[0])));
    tb.push(await once(b, path(days[1])));
  }
  return [round(quantile(ta, 0.5), 2), round(quantile(tb, 0.5), 2)];
}

/** Two fresh stores of one kind (1x and 10x), and what stops what they need. */
async function openPair(
  kind: "sqlite" | "postgres",
  dir: string,
): Promise<{ stores: readonly [MonitorStore, MonitorStore]; settle(i: 0 | 1): Promise<void>; stop(): Promise<void> }> {
  if (kind === "sqlite") {
    const stores = [await openSqliteStore({ file: join(dir, "history-1x.db") }), await openSqliteStore({ file: join(dir, "history-10x.db") })] as const;
    return { stores, settle: async () => {}, stop: async () => void (await Promise.all(stores.map((s) => s.close()))) };
  }
  const server = await startPostgres({ shared_buffers: "256MB", max_wal_size: "2GB" });
  const urls = [await server.createDatabase(), await server.createDatabase()] as const;
  const stores = [await openPostgresStore({ url: urls[0] }), await openPostgresStore({ url: urls[1] })] as const;
  return {
    stores,
    // Compaction deleted most of the per-minute rows: the steady state of a live monitor (space reused, statistics
    // current) rather than the minute right after one bulk compaction of 88 days (see the top of this file).
    async settle(i) {
      const client = new pg.Client({ connectionString: urls[i] });
      await client.connect();
      try {
        await client.query("vacuum (full, analyze)");
      } finally {
        await client.end();
      }
    },
    stop: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await server.stop();
    },
  };
}

/** 1x and 10x history in two fresh stores of `kind` (SQLite files in `dir`, or databases of a throwaway Postgres). */
export async function benchHistory(dir: string, kind: "sqlite" | "postgres" = "sqlite", oneX = 9, tenX = 90): Promise<HistoryBench> {
  const profiles = makeProfiles();
  const { stores, settle, stop } = await openPair(kind, dir);
  try {
    const apps = [createMonitor({ store: stores[0], now: () => NOW }).app, createMonitor({ store: stores[1], now: () => NOW }).app] as const;
    for (const app of apps) {
      const res = await app.request("/v1/deployments/bench/baseline", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "titanic", version: "1.0.0", baseline: manifest.baseline, slices: manifest.slices }),
      });
      if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
    }
    const rows = { oneX: await fill(stores[0], oneX, profiles), tenX: await fill(stores[1], tenX, profiles) };
    await settle(0);
    await settle(1);
    const q = (what: string, from: (days: number) => number, step: string) => (days: number) =>
      `/v1/${what}?deployment=bench&from=${from(days)}&to=${NOW}&step=${step}`;
    const lastDay = () => NOW - DAY;
    const whole = (days: number) => Math.floor((NOW - days * DAY) / DAY) * DAY;
    const cases: [string, (days: number) => string][] = [
      ["drift, last 24 h, step 1h", q("drift", lastDay, "1h")],
      ["slices, last 24 h", q("slices", lastDay, "1h")],
      ["drift, last 7 d, step 1d", q("drift", () => NOW - 7 * DAY, "1d")],
      ["drift, whole history, step 1d", q("drift", whole, "1d")],
      ["slices, whole history", q("slices", whole, "1d")],
    ];
    const queries: HistoryQueryRow[] = [];
    for (const [query, path] of cases) {
      const [a, b] = await timePair(apps[0], apps[1], path, [oneX, tenX]);
      queries.push({ query, path: path(tenX), oneX: a, tenX: b, ratio: round(b / a, 2) });
    }
    return {
      store: kind === "sqlite" ? "SQLite file (WAL)" : "Postgres (Debian's, local)",
      policy: formatRetention(DEFAULT_RETENTION),
      days: { oneX, tenX },
      rows,
      queries,
    };
  } finally {
    await stop();
  }
}

export function renderHistory(r: HistoryBench): string {
  return [
    `## Query time at 1x and 10x stored history (${r.store})`,
    "",
    `${r.days.oneX} vs ${r.days.tenX} days of traffic (per-minute batches of ${PER_BATCH} profiled requests in the last 50 h, hourly before), compacted with the default policy \`${r.policy}\`; through the monitor app, median of ${RUNS}. Target ≤ 1.2x.`,
    "",
    `Stored profile rows after compaction: ${r.rows.oneX.profileRows} (1x, ${r.rows.oneX.batches} batches, compaction ${r.rows.oneX.compactSeconds} s) vs ${r.rows.tenX.profileRows} (10x, ${r.rows.tenX.batches} batches, compaction ${r.rows.tenX.compactSeconds} s).`,
    "",
    "| query | 1x (ms) | 10x (ms) | 10x ÷ 1x |",
    "|---|---|---|---|",
    ...r.queries.map((q) => `| ${q.query} | ${q.oneX} | ${q.tenX} | **${q.ratio}x** |`),
    "",
  ].join("\n");
}
