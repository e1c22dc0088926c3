/**
 * Drift and slice queries over N stored events vs 10N: the monitor adds profiles into per-minute rows at ingest, so a
 * query reads one row per minute and slice value whatever the traffic behind it, and its time should stay flat.
 *
 * Setup: titanic's baseline registered; 24 h of traffic, one batch per minute (100 profiled requests each: overall
 * + 5 slice values) for N, then 9 more batches per minute in the same minutes for 10N; the SQLite file store in WAL
 * mode, as `edge-ml monitor` runs it. Queried through the monitor app (`/v1/drift?step=1h` over the 24 h, and
 * `/v1/slices` over the same range), median of 7 runs each. Prints JSON with both timings and the ratios.
 *
 * @example
 * ```sh
 * npx tsx bench/monitor-drift.ts        # BENCH_MINUTES=1440 BENCH_EVENTS_PER_BATCH=100 by default
 * ```
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { mulberry32 } from "../core/random.ts";
import { Manifest } from "../core/schema/manifest.ts";
import { LATENCY_BUCKETS_MS, TelemetryBatch, type BatchProfile } from "../core/schema/telemetry.ts";
import { createMonitor } from "../monitor/app.ts";
import { openSqliteStore } from "../monitor/store/sqlite/store.ts";
import { createProfileSet } from "../runtime/telemetry/profiles.ts";
import { quantile, round } from "./stats.ts";

const MINUTES = Number(process.env["BENCH_MINUTES"] ?? 1440);
const PER_BATCH = Number(process.env["BENCH_EVENTS_PER_BATCH"] ?? 100);
const RUNS = 7;
const T0 = Date.UTC(2026, 0, 5);
const manifest = Manifest.parse(JSON.parse(readFileSync(join(import.meta.dirname, "..", "models", "titanic", "1.0.0", "manifest.json"), "utf8")));

// A few dozen distinct profiles, cycled: building them is the edge's work, not what this measures.
const random = mulberry32(5);
const profiles: BatchProfile[] = Array.from({ length: 50 }, () => {
  const set = createProfileSet(manifest.baseline!, manifest.slices);
  for (let i = 0; i < PER_BATCH; i++) {
    const score = random();
    set.add(
      [
        {
          sex: random() < 0.64 ? "male" : "female",
          age: random() < 0.2 ? null : Math.round(random() * 80),
          passengerClass: ["1st", "2nd", "3rd"][Math.floor(random() * 3)]!,
        },
      ],
      [{ score, label: score >= 0.5 ? "yes" : "no" }],
    );
  }
  return set.take()!;
});
const counts = LATENCY_BUCKETS_MS.map((_b, i) => (i === 3 ? PER_BATCH : 0)).concat(0);

const dir = mkdtempSync(join(tmpdir(), "edge-ml-bench-drift-"));
const store = await openSqliteStore({ file: join(dir, "monitor.db") });
const { app } = createMonitor({ store, now: () => T0 + MINUTES * 60_000 });
let seq = 0;

async function ingest(batchesPerMinute: number): Promise<number> {
  const t0 = performance.now();
  for (let m = 0; m < MINUTES; m++) {
    for (let b = 0; b < batchesPerMinute; b++) {
      const end = T0 + m * 60_000 + 1000 + b;
      const batch = TelemetryBatch.parse({
        v: 1,
        batchId: `bench-drift-${++seq}`,
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
  }
  return (performance.now() - t0) / 1000;
}

async function time(path: string): Promise<{ medianMs: number; p90Ms: number }> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await app.request(path);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.json();
    ms.push(performance.now() - t0);
  }
  return { medianMs: round(quantile(ms, 0.5)), p90Ms: round(quantile(ms, 0.9)) };
}

async function measure(events: number, ingestSeconds: number) {
  const from = T0;
  const to = T0 + MINUTES * 60_000;
  const rows = (await store.profiles({ deployment: "bench", model: "titanic", version: "1.0.0", from, to, slices: "all" })).length;
  return {
    events,
    profileRows: rows,
    ingestSeconds: round(ingestSeconds, 2),
    drift: await time(`/v1/drift?deployment=bench&from=${from}&to=${to}&step=1h`),
    driftWithHistograms: await time(`/v1/drift?deployment=bench&from=${from}&to=${to}&step=1h&histograms=1`),
    slices: await time(`/v1/slices?deployment=bench&from=${from}&to=${to}`),
  };
}

try {
  const registered = await app.request("/v1/deployments/bench/baseline", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "titanic", version: "1.0.0", baseline: manifest.baseline, slices: manifest.slices }),
  });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.status}`);
  const n = await measure(MINUTES * PER_BATCH, await ingest(1));
  const tenN = await measure(10 * MINUTES * PER_BATCH, await ingest(9));
  const ratio = (a: { medianMs: number }, b: { medianMs: number }) => round(b.medianMs / a.medianMs, 2);
  console.log(
    JSON.stringify(
      {
        bench: "monitor-drift",
        date: new Date().toISOString(),
        machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" },
        setup: { minutes: MINUTES, eventsPerBatch: PER_BATCH, sliceFeatures: manifest.slices, windows: MINUTES / 60, storage: "SQLite file, WAL" },
        n,
        tenN,
        ratio: {
          drift: ratio(n.drift, tenN.drift),
          driftWithHistograms: ratio(n.driftWithHistograms, tenN.driftWithHistograms),
          slices: ratio(n.slices, tenN.slices),
        },
        expectation: "ratio about 1: queries read pre-aggregated per-minute rows, not events",
      },
      null,
      2,
    ),
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
