/**
 * Drift and slice query time at 1x and 10x stored history (issue 15, part 5): 9 days vs 90 days of per-minute
 * traffic, compacted by the default retention policy (minutes 48 h, hours 14 d, days kept), queried through the
 * monitor app, on SQLite and on a throwaway Postgres, and on D1 through the monitor Worker in workerd (as `edge-ml
 * monitor dev --target worker` serves it: batches POSTed to its /v1/ingest, compaction by its Cron Trigger handler,
 * queries over HTTP). Target: a query's time flat (≤ 1.2x) from 1x to 10x history.
 *
 * How the history is made: per-minute batches (100 profiled requests, 5 slice values) for the last 50 hours, which
 * stay per-minute; one batch per hour before that. Compaction keeps one row per hour (day) and slice value whatever
 * the traffic behind it, so the rows the queries read are those of per-minute traffic compacted, without ingesting
 * 130,000 batches first. On Postgres both databases are then rewritten and analyzed (`vacuum (full, analyze)`): the
 * fill put 88 days of hourly batches through the per-minute tables before one compaction deleted them, which leaves
 * those tables 1.6x the pages of the 1x database for the same live rows; a live monitor compacts every 10 minutes and
 * reuses that space, so its tables hold what they keep. Each query is timed 5 times (median), 1x and 10x
 * alternating, after a warm-up. The Worker reads the real clock, so D1's history ends at the last 10-minute mark
 * before the run (plus 7 s: when its Cron Trigger compacts) instead of a fixed date.
 *
 * @example
 * ```sh
 * BENCH_ONLY=monitor-history npm run bench   # SQLite, Postgres, D1: bench/results/monitor-history.{json,md}
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { D1_BINDING } from "../cli/monitor-worker/build.ts";
import { type MonitorWorkerDev, startMonitorWorker } from "../cli/monitor-worker/dev.ts";
import { mulberry32 } from "../core/random.ts";
import { Manifest } from "../core/schema/manifest.ts";
import { LATENCY_BUCKETS_MS, TelemetryBatch, type BatchProfile } from "../core/schema/telemetry.ts";
import { createMonitor } from "../monitor/app.ts";
import { DEFAULT_RETENTION, formatRetention } from "../monitor/retention.ts";
import type { MonitorStore } from "../monitor/store/contract.ts";
import type { D1Database } from "../monitor/store/d1/binding.ts";
import { openD1Store } from "../monitor/store/d1/store.ts";
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
/** The monitor's clock: the end of the history, on a day boundary plus a little (D1's Worker: see the top). */
const NOW = Date.UTC(2026, 3, 1) + 7 * MIN;
/** The retention's `every`: compaction runs in the minute after a multiple of it (the Worker's Cron Trigger rule). */
const COMPACT_EVERY = DEFAULT_RETENTION.every ?? 10 * MIN;
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

/** `days` of history ending at `pair.now` into store `i`: per-minute batches in the last 50 h, one per hour before; then the default compaction. */
async function fill(pair: HistoryPair, i: 0 | 1, days: number, profiles: BatchProfile[]): Promise<StoredRows> {
  const { now } = pair;
  const counts = LATENCY_BUCKETS_MS.map((_b, i) => (i === 3 ? PER_BATCH : 0)).concat(0);
  const ends: number[] = [];
  for (let t = now - days * DAY; t < now - MINUTE_TAIL; t += HOUR) ends.push(t + 1000);
  for (let t = Math.max(now - MINUTE_TAIL, now - days * DAY); t < now; t += MIN) ends.push(t + 1000);
  const t0 = performance.now();
  let seq = 0;
  const batches = ends.map((end) =>
    TelemetryBatch.parse({
      v: 1,
      batchId: `bench-history-${days}-${++seq}`,
      deployment: "bench",
      target: "worker",
      model: { name: "titanic", version: "1.0.0" },
      window: { start: end - 1000, end },
      counters: { requests: PER_BATCH, errors: {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: PER_BATCH * 3 }, dropped: 0 },
      profile: profiles[seq % profiles.length],
      samples: [],
    }),
  );
  await pair.ingest(i, batches);
  const t1 = performance.now();
  await pair.compact(i);
  const t2 = performance.now();
  return {
    batches: ends.length,
    ingestSeconds: round((t1 - t0) / 1000, 1),
    compactSeconds: round((t2 - t1) / 1000, 2),
    profileRows: await pair.profileRows(i),
  };
}

/** A GET through the monitor (its Hono app in this process, or the Worker over HTTP). */
type Query = (path: string) => Promise<Response>;
async function once(query: Query, path: string): Promise<number> {
  const t0 = performance.now();
  const res = await query(path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.json();
  return performance.now() - t0;
}

/** Medians of one query on both stores, alternating, after one warm-up each. */
async function timePair(a: Query, b: Query, path: (days: number) => string, days: [number, number]): Promise<[number, number]> {
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

/** Two fresh monitors of one kind (1x and 10x history): how batches get in, compaction runs, and queries are made. */
interface HistoryPair {
  /** The end of the history (the monitors' clock). */
  now: number;
  query: readonly [Query, Query];
  ingest(i: 0 | 1, batches: readonly TelemetryBatch[]): Promise<void>;
  compact(i: 0 | 1): Promise<void>;
  /** Profile rows a whole-history read returns (what compaction left). */
  profileRows(i: 0 | 1): Promise<number>;
  /** After compaction, before timing: the steady state of a live monitor. */
  settle(i: 0 | 1): Promise<void>;
  stop(): Promise<void>;
}

const REGISTRATION = { model: "titanic", version: "1.0.0", baseline: manifest.baseline, slices: manifest.slices };
const readRows = async (store: MonitorStore, now: number) =>
  (await store.profiles({ deployment: "bench", model: "titanic", version: "1.0.0", from: 0, to: now + DAY, slices: "all" })).length;

/** SQLite files in `dir`, or two databases of a throwaway Postgres: stores opened here, the app in this process. */
async function storePair(kind: "sqlite" | "postgres", dir: string): Promise<HistoryPair> {
  let stores: readonly [MonitorStore, MonitorStore];
  let settle: HistoryPair["settle"] = async () => {};
  let stopServer = async () => {};
  if (kind === "sqlite") {
    stores = [await openSqliteStore({ file: join(dir, "history-1x.db") }), await openSqliteStore({ file: join(dir, "history-10x.db") })];
  } else {
    const server = await startPostgres({ shared_buffers: "256MB", max_wal_size: "2GB" });
    const urls = [await server.createDatabase(), await server.createDatabase()] as const;
    stores = [await openPostgresStore({ url: urls[0] }), await openPostgresStore({ url: urls[1] })];
    // Compaction deleted most of the per-minute rows: the steady state of a live monitor (space reused, statistics
    // current) rather than the minute right after one bulk compaction of 88 days (see the top of this file).
    settle = async (i) => {
      const client = new pg.Client({ connectionString: urls[i] });
      await client.connect();
      try {
        await client.query("vacuum (full, analyze)");
      } finally {
        await client.end();
      }
    };
    stopServer = () => server.stop();
  }
  const apps = stores.map((store) => createMonitor({ store, now: () => NOW }).app);
  for (const app of apps) {
    const res = await app.request("/v1/deployments/bench/baseline", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(REGISTRATION),
    });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  }
  return {
    now: NOW,
    query: [(path) => Promise.resolve(apps[0]!.request(path)), (path) => Promise.resolve(apps[1]!.request(path))],
    async ingest(i, batches) {
      for (const batch of batches) await stores[i].ingest(batch, batch.window.end);
    },
    compact: async (i) => void (await stores[i].compact(NOW, DEFAULT_RETENTION)),
    profileRows: (i) => readRows(stores[i], NOW),
    settle,
    async stop() {
      await Promise.all(stores.map((s) => s.close()));
      await stopServer();
    },
  };
}

/** Two monitor Workers in workerd, each over its own local D1 (persisted in `dir`), reached over HTTP like a deployed one. */
async function workerPair(dir: string): Promise<HistoryPair> {
  const admin = "bench-admin-token-0123456789";
  const now = Math.floor((Date.now() - 7000) / COMPACT_EVERY) * COMPACT_EVERY + 7000;
  // Each Worker built in a folder of its own: a second build into one folder empties it first.
  const workers: MonitorWorkerDev[] = [];
  const stop = async () => void (await Promise.all(workers.map((w) => w.close())));
  const call = async (i: 0 | 1, method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${workers[i]!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const tokens: string[] = [];
  try {
    for (const size of ["1x", "10x"]) {
      workers.push(
        await startMonitorWorker({ outDir: join(dir, `worker-${size}`), persistDir: join(dir, `d1-${size}`), port: 0, adminToken: admin, evaluateEveryMs: 0 }),
      );
    }
    for (const i of [0, 1] as const) {
      await call(i, "POST", "/v1/deployments/bench/baseline", admin, REGISTRATION);
      tokens.push(((await (await call(i, "POST", "/v1/tokens", admin, { deployment: "bench" })).json()) as { token: string }).token);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    now,
    query: [(path) => call(0, "GET", path, admin), (path) => call(1, "GET", path, admin)],
    async ingest(i, batches) {
      // Four requests in flight, as several edge functions would send them.
      let next = 0;
      const sender = async () => {
        while (next < batches.length) await (await call(i, "POST", "/v1/ingest", tokens[i]!, batches[next++])).arrayBuffer();
      };
      await Promise.all(Array.from({ length: 4 }, sender));
    },
    // The Cron Trigger's handler at `now`: the first run of an isolate in the minute after a multiple of `every` compacts.
    compact: (i) => workers[i]!.scheduled(new Date(now)),
    async profileRows(i) {
      const d1 = (await workers[i]!.miniflare.getD1Database(D1_BINDING)) as unknown as D1Database;
      return readRows(await openD1Store(d1), now);
    },
    settle: async () => {},
    stop,
  };
}

const STORE_NAMES = { sqlite: "SQLite file (WAL)", postgres: "Postgres (Debian's, local)", d1: "D1 (local, monitor Worker in workerd)" };

/** 1x and 10x history in two fresh monitors of `kind` (SQLite files in `dir`, databases of a throwaway Postgres, or monitor Workers over local D1). */
export async function benchHistory(dir: string, kind: "sqlite" | "postgres" | "d1" = "sqlite", oneX = 9, tenX = 90): Promise<HistoryBench> {
  const profiles = makeProfiles();
  const pair = kind === "d1" ? await workerPair(dir) : await storePair(kind, dir);
  try {
    const rows = { oneX: await fill(pair, 0, oneX, profiles), tenX: await fill(pair, 1, tenX, profiles) };
    await pair.settle(0);
    await pair.settle(1);
    const { now } = pair;
    const q = (what: string, from: (days: number) => number, step: string) => (days: number) =>
      `/v1/${what}?deployment=bench&from=${from(days)}&to=${now}&step=${step}`;
    const lastDay = () => now - DAY;
    const whole = (days: number) => Math.floor((now - days * DAY) / DAY) * DAY;
    const cases: [string, (days: number) => string][] = [
      ["drift, last 24 h, step 1h", q("drift", lastDay, "1h")],
      ["slices, last 24 h", q("slices", lastDay, "1h")],
      ["drift, last 7 d, step 1d", q("drift", () => now - 7 * DAY, "1d")],
      ["drift, whole history, step 1d", q("drift", whole, "1d")],
      ["slices, whole history", q("slices", whole, "1d")],
    ];
    const queries: HistoryQueryRow[] = [];
    for (const [query, path] of cases) {
      const [a, b] = await timePair(pair.query[0], pair.query[1], path, [oneX, tenX]);
      queries.push({ query, path: path(tenX), oneX: a, tenX: b, ratio: round(b / a, 2) });
    }
    return { store: STORE_NAMES[kind], policy: formatRetention(DEFAULT_RETENTION), days: { oneX, tenX }, rows, queries };
  } finally {
    await pair.stop();
  }
}

export function renderHistory(r: HistoryBench): string {
  return [
    `## Query time at 1x and 10x stored history (${r.store})`,
    "",
    `${r.days.oneX} vs ${r.days.tenX} days of traffic (per-minute batches of ${PER_BATCH} profiled requests in the last 50 h, hourly before), compacted with the default policy \`${r.policy}\`; through the monitor ${r.store.startsWith("D1") ? "Worker over HTTP" : "app"}, median of ${RUNS}. Target ≤ 1.2x.`,
    "",
    `Stored profile rows after compaction: ${r.rows.oneX.profileRows} (1x, ${r.rows.oneX.batches} batches, compaction ${r.rows.oneX.compactSeconds} s) vs ${r.rows.tenX.profileRows} (10x, ${r.rows.tenX.batches} batches, compaction ${r.rows.tenX.compactSeconds} s).`,
    "",
    "| query | 1x (ms) | 10x (ms) | 10x ÷ 1x |",
    "|---|---|---|---|",
    ...r.queries.map((q) => `| ${q.query} | ${q.oneX} | ${q.tenX} | **${q.ratio}x** |`),
    "",
  ].join("\n");
}
