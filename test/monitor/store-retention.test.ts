/**
 * Retention and roll-ups (issue 15, part 4), run against every store in ./stores.ts: `compact(now, policy)` moves
 * closed minutes into hours and hours into days, and every read (windows, totals, backends, rollouts, profiles for
 * drift, deployments) gives exactly the answer it gave before for windows that span whole stored periods; compaction
 * run twice, or twice at once, counts nothing twice; a late batch into a rolled minute is rolled by the next run;
 * samples, labels and old days expire.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LATENCY_BUCKETS_MS, TelemetryBatch, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { mergeByWindow } from "../../monitor/analytics/windows.ts";
import { DEFAULT_RETENTION, parseRetention } from "../../monitor/retention.ts";
import { startMonitor } from "../../monitor/server.ts";
import type { CompactionPolicy, MonitorStore } from "../../monitor/store/contract.ts";
import { makeBatch, makeProfile } from "./helpers.ts";
import { defaultStore, STORES, type StoreFactory } from "./stores.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
/** Three days of traffic; compaction at the end leaves days, hours and a minute tail. */
const END = T0 + 3 * DAY;
const NOW = END + 5 * MIN;
const POLICY: CompactionPolicy = { samples: 2 * DAY, labels: 2 * DAY, minutes: 2 * HOUR, hours: DAY, days: null };

/** One batch ending at `end`: counters with errors and two latency buckets, a device, an arm, a sliced profile. */
function batchEndingAt(end: number, i: number): TelemetryBatchInput {
  const requests = 5 + (i % 7);
  const errors = i % 3;
  const counts = LATENCY_BUCKETS_MS.map((_b, k) => (k === 3 ? requests - errors : k === 5 ? errors : 0)).concat(0);
  return makeBatch({
    window: { start: end - 5000, end },
    model: { name: "titanic", version: i % 5 === 0 ? "2.0.0" : "1.0.0" },
    counters: {
      requests,
      errors: errors > 0 ? { bad_request: errors } : {},
      latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: 3 * requests },
      dropped: i % 2,
    },
    profile: makeProfile(requests, i),
    backend: { device: i % 4 === 0 ? "webgpu" : "wasm", engine: "ort-wasm" },
    rollout: { arm: i % 5 === 0 ? "challenger" : "champion", mode: "canary" },
    samples: [
      { ts: end - 1000, requestId: `req-${i}`, features: { age: i % 90, sex: "male" }, prediction: { label: "no", score: 0.25 }, latencyMs: 3, status: 200 },
    ],
  });
}

/** ~75 batches over [T0, END), 13 and 101 minutes apart in turn (D1 in workerd takes ~0.7 s a batch), received when their window ends. */
async function traffic(store: MonitorStore): Promise<void> {
  let i = 0;
  for (let end = T0 + 10_000; end < END; end += i % 2 === 0 ? 13 * MIN : 101 * MIN) await store.ingest(TelemetryBatch.parse(batchEndingAt(end, i++)), end);
}

/** Floats (profile sums of scores) added in another order may differ in the last bits. */
function rounded<T>(v: T): T {
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => (typeof x === "number" && !Number.isInteger(x) ? Number(x.toPrecision(12)) : x)) as T;
}

/**
 * Every read the monitor answers from rolled-up tables, over windows aligned to whole stored periods: days over the
 * whole range, hours from `hoursFrom` (where days begin to be kept as hours), minutes over the last hour.
 */
async function answers(store: MonitorStore, hoursFrom = T0 + 2 * DAY) {
  const range = { deployment: "prod", from: T0, to: END + HOUR };
  const profiles = async (version: string, from: number, stepMs: number) =>
    Object.fromEntries(
      [...mergeByWindow(await store.profiles({ ...range, from, model: "titanic", version, slices: "all" }), from, stepMs)].map(([t, w]) => [
        t,
        { overall: w.overall, slices: Object.fromEntries([...w.slices].map(([k, m]) => [k, Object.fromEntries(m)])) },
      ]),
    );
  return rounded({
    hourly: await store.windows({ ...range, from: hoursFrom, stepMs: HOUR }),
    daily: await store.windows({ ...range, stepMs: DAY }),
    tail: await store.windows({ ...range, from: END - HOUR, stepMs: MIN }),
    totals: await store.totals(),
    backends: await store.backends(range),
    backendsLastDay: await store.backends({ ...range, from: T0 + 2 * DAY }),
    rollouts: await store.rollouts({ ...range, model: "titanic" }),
    rolloutsFirstDay: await store.rollouts({ ...range, to: T0 + DAY, model: "titanic" }),
    // A version's last minute, once rolled, reads as the start of its hour.
    deployments: (await store.listDeployments()).map((d) => ({
      ...d,
      versions: d.versions.map((v) => ({ ...v, lastSeen: Math.floor(v.lastSeen / HOUR) * HOUR })),
    })),
    // The first bucket becomes the start of the stored period it fell in (here a day), the last the start of its hour.
    series: (await store.profileSeries("prod")).map((s) => ({
      ...s,
      firstBucket: Math.floor(s.firstBucket / DAY) * DAY,
      lastBucket: Math.floor(s.lastBucket / HOUR) * HOUR,
    })),
    profilesHourly: await profiles("1.0.0", hoursFrom, HOUR),
    profilesDaily: await profiles("2.0.0", T0, DAY),
  });
}

const moved = (report: { steps: { step: string; rows: number }[] }) => report.steps.filter((s) => s.step.includes("→")).reduce((a, s) => a + s.rows, 0);

describe.each(STORES)("$name store: retention", { timeout: 240_000 }, (factory: StoreFactory) => {
  const opened: MonitorStore[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  });
  const fresh = async () => {
    const handle = await factory.fresh();
    const open = async () => {
      const s = await handle.open();
      opened.push(s);
      return s;
    };
    return { open, store: await open() };
  };

  it("rolls minutes into hours and hours into days; every read gives the same answer before and after", async () => {
    const { store } = await fresh();
    await traffic(store);
    const before = await answers(store);
    expect(before.daily.length).toBeGreaterThan(3);
    const report = await store.compact(NOW, POLICY);
    expect(moved(report)).toBeGreaterThan(0);
    expect(await answers(store)).toEqual(before);
    // The reads now come from roll-ups: the first day is one profile row per slice value, not one per batch.
    const firstDay = await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: T0, to: T0 + DAY, slices: "overall" });
    expect(firstDay.map((r) => r.bucket)).toEqual([T0]);
    const hours = await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: T0 + 2 * DAY, to: END - 2 * HOUR, slices: "overall" });
    expect(hours.every((r) => r.bucket % HOUR === 0)).toBe(true);
    expect(hours.length).toBeLessThanOrEqual(22);
  });

  it("counts nothing twice: run again, twice at once from two connections, or a late batch into a rolled minute", async () => {
    const { open, store } = await fresh();
    await traffic(store);
    const before = await answers(store);
    const other = await open();
    const [a, b] = await Promise.all([store.compact(NOW, POLICY), other.compact(NOW, POLICY)]);
    expect(moved(a) > 0 || moved(b) > 0).toBe(true);
    expect(await answers(store)).toEqual(before);
    expect(moved(await store.compact(NOW, POLICY))).toBe(0);
    expect(moved(await store.compact(NOW + HOUR, POLICY))).toBeGreaterThan(0); // the next hour closed
    expect(await answers(store)).toEqual(before);

    // A late batch into a minute already rolled is rolled by the next run, into the same day.
    await store.ingest(TelemetryBatch.parse(batchEndingAt(T0 + 5 * MIN, 1)), NOW + 2 * HOUR);
    const { tail: _t, ...expected } = await answers(store);
    expect(expected.daily[0]!.requests).toBeGreaterThan(before.daily[0]!.requests);
    // This run also rolls the last hour's minutes: all but the per-minute tail read as before.
    expect(moved(await store.compact(NOW + 2 * HOUR, POLICY))).toBeGreaterThan(0);
    const { tail: _t2, ...after } = await answers(store);
    expect(after).toEqual(expected);
    const firstDay = await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: T0, to: T0 + DAY, slices: "overall" });
    expect(firstDay.map((r) => r.bucket)).toEqual([T0]);
  });

  it("deletes samples and labels past their retention, and daily rows past theirs", async () => {
    const { store } = await fresh();
    await traffic(store);
    await store.putLabels("prod", [{ requestId: "req-0", index: 0, label: "no" }], T0);
    await store.putLabels("prod", [{ requestId: "req-55", index: 0, label: "no" }], END);
    const samplesBefore = await store.recentSamples({ deployment: "prod", limit: 1000 });
    const report = await store.compact(NOW, POLICY);
    expect(report.steps.find((s) => s.step === "samples expired")!.rows).toBeGreaterThan(0);
    const kept = await store.recentSamples({ deployment: "prod", limit: 1000 });
    expect(kept.length).toBe(samplesBefore.filter((s) => s.ts >= NOW - POLICY.samples!).length);
    expect(kept.every((s) => s.ts >= NOW - POLICY.samples!)).toBe(true);
    const labeled = await store.labeledSamples({ deployment: "prod", from: 0, to: NOW });
    expect(labeled.map((l) => l.requestId)).toEqual(["req-55"]);
    // Days kept 2 d: the first day (older than floor(now - 2 d) to the day) goes, the rest stay.
    await store.compact(NOW, { ...POLICY, days: 2 * DAY });
    const daily = await store.windows({ deployment: "prod", from: T0, to: END + HOUR, stepMs: DAY });
    expect(daily[0]!.t).toBe(T0 + DAY);
  });

  it("leaves everything in place with the default policy while the data is young", async () => {
    const { store } = await fresh();
    await traffic(store);
    const before = await answers(store, T0);
    const rows = (await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: T0, to: END, slices: "overall" })).length;
    await store.compact(END, DEFAULT_RETENTION); // minutes are kept 48 h: only the first day rolls
    expect(await answers(store, T0)).toEqual(before);
    expect((await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: T0, to: END, slices: "overall" })).length).toBeLessThan(rows);
  });
});

describe("the Node monitor", () => {
  it("compacts its store every `every` with the policy it was given", async () => {
    const store = await defaultStore();
    try {
      await store.ingest(TelemetryBatch.parse(batchEndingAt(T0 + 5 * MIN, 0)), T0 + 5 * MIN); // long before today
      const monitor = await startMonitor({ port: 0, store, evaluateEveryMs: 0, retention: { ...DEFAULT_RETENTION, every: 50 } });
      try {
        await vi.waitFor(async () => expect(await store.recentSamples({ deployment: "prod", limit: 10 })).toEqual([]), { timeout: 10_000 });
        const rows = await store.profiles({ deployment: "prod", model: "titanic", version: "2.0.0", from: T0, to: END, slices: "overall" });
        expect(rows.map((r) => r.bucket)).toEqual([T0]); // rolled into its day
      } finally {
        await monitor.close();
      }
    } finally {
      await store.close();
    }
  });
});

describe("--retention", () => {
  it("parses key=value pairs over the defaults, and says what is wrong with a hint", () => {
    expect(parseRetention("samples=3d, hours=90d")).toEqual({ ...DEFAULT_RETENTION, samples: 3 * DAY, labels: 3 * DAY, hours: 90 * DAY });
    expect(parseRetention("days=400d,labels=off")).toMatchObject({ days: 400 * DAY, labels: null });
    expect(parseRetention("off")).toBeNull();
    const message = (text: string) => {
      try {
        parseRetention(text);
        return "parsed";
      } catch (error) {
        return `${(error as Error).message} | ${(error as { hint?: string }).hint}`;
      }
    };
    expect(message("minutes=10m")).toMatchInlineSnapshot(
      `"--retention minutes=10m: minutes: keep per-minute rows at least 1h (minutes roll into whole hours) | e.g. --retention samples=7d,minutes=48h,hours=14d,days=off (keys: samples, labels, minutes, hours, days, every), or --retention off"`,
    );
    expect(message("samples=soon")).toMatchInlineSnapshot(
      `"--retention samples=soon: samples: expected a duration like "36h", "7d", or "off" | e.g. --retention samples=7d,minutes=48h,hours=14d,days=off (keys: samples, labels, minutes, hours, days, every), or --retention off"`,
    );
    expect(message("weeks=2")).toMatchInlineSnapshot(
      `"--retention weeks=2: unknown key "weeks" | e.g. --retention samples=7d,minutes=48h,hours=14d,days=off (keys: samples, labels, minutes, hours, days, every), or --retention off"`,
    );
    expect(message("hours=1d,minutes=2d")).toMatchInlineSnapshot(
      `"--retention hours=1d,minutes=2d: hours: keep hourly rows longer than per-minute rows | e.g. --retention samples=7d,minutes=48h,hours=14d,days=off (keys: samples, labels, minutes, hours, days, every), or --retention off"`,
    );
  });
});
