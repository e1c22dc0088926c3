/**
 * Feature lookups (issue 16) in every store of ./stores.ts (SQLite, Postgres, D1): a batch's per-view lookups land in
 * its minute (migration 0009), batches add up (the oldest age by max), a batchId is counted once, reads sum a range
 * per version and view and all time for `/metrics`, batches without lookups add nothing, and compaction into hours
 * and days changes no answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryBatch, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import type { MonitorStore } from "../../monitor/store/contract.ts";
import { makeBatch } from "./helpers.ts";
import { viewLookups } from "./lookups-helpers.ts";
import { STORES, type StoreFactory } from "./stores.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1, 12, 0);
const RANGE = { deployment: "prod", from: 0, to: Number.MAX_SAFE_INTEGER };

const at = (end: number, over: Partial<TelemetryBatchInput> = {}) => TelemetryBatch.parse(makeBatch({ window: { start: end - 5000, end }, ...over }));

describe.each(STORES)("$name store: feature lookups", (factory: StoreFactory) => {
  const opened: MonitorStore[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  });
  const fresh = async () => {
    const s = await (await factory.fresh()).open();
    opened.push(s);
    return s;
  };

  it("adds batches per minute, version and view; a batchId counts once; reads sum a range and all time", async () => {
    const store = await fresh();
    const a = at(T0 + 10_000, {
      lookups: {
        customer: viewLookups({ keys: 4, misses: 1, expired: 1, latenciesMs: [2, 3], agesMs: [30_000, 2 * HOUR, 40 * DAY] }),
        item: viewLookups({ keys: 1, misses: 0, latenciesMs: [0.3], agesMs: [5 * MIN] }),
      },
    });
    const b = at(T0 + 20_000, { lookups: { customer: viewLookups({ keys: 2, misses: 0, latenciesMs: [40], agesMs: [1000, 3 * DAY] }) } });
    const later = at(T0 + 3 * MIN, { lookups: { customer: viewLookups({ keys: 1, misses: 1, latenciesMs: [7], agesMs: [] }) } });
    const v2 = at(T0 + 30_000, {
      model: { name: "titanic", version: "2.0.0" },
      lookups: { customer: viewLookups({ keys: 1, misses: 0, latenciesMs: [1], agesMs: [100] }) },
    });
    for (const batch of [a, b, a, later, v2, at(T0 + 40_000)]) await store.ingest(batch, batch.window.end);

    const customer = await store.lookups({ deployment: "prod", from: T0, to: T0 + MIN });
    expect(customer.map((r) => [r.version, r.view])).toEqual([
      ["1.0.0", "customer"],
      ["1.0.0", "item"],
      ["2.0.0", "customer"],
    ]);
    expect(customer[0]).toEqual({
      model: "titanic",
      version: "1.0.0",
      view: "customer",
      requests: 3,
      keys: 6,
      misses: 1,
      expired: 1,
      latencySum: 45,
      latency: [0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      ageSum: 30_000 + 2 * HOUR + 40 * DAY + 1000 + 3 * DAY,
      age: [2, 0, 0, 1, 0, 1, 0, 1],
      ageMax: 40 * DAY,
    });
    // The range counts: the later minute only.
    expect((await store.lookups({ deployment: "prod", from: T0 + MIN, to: T0 + 10 * MIN })).map((r) => [r.view, r.requests, r.misses, r.ageMax])).toEqual([
      ["customer", 1, 1, 0],
    ]);
    expect(await store.lookups({ deployment: "staging", from: 0, to: RANGE.to })).toEqual([]);
    const totals = (await store.totals()).lookups;
    expect(totals.map((r) => [r.deployment, r.version, r.view, r.requests, r.keys, r.ageMax])).toEqual([
      ["prod", "1.0.0", "customer", 4, 7, 40 * DAY],
      ["prod", "1.0.0", "item", 1, 1, 5 * MIN],
      ["prod", "2.0.0", "customer", 1, 1, 100],
    ]);
  });

  it("rolls lookups into hours and days with every answer unchanged (sums add, the oldest age stays)", async () => {
    const store = await fresh();
    const start = Date.UTC(2026, 0, 1);
    let i = 0;
    for (let end = start + 10_000; end < start + 3 * DAY; end += 97 * MIN, i++) {
      const hits = i % 4;
      const lookups = {
        customer: viewLookups({ keys: hits + 1, misses: 1, latenciesMs: [1 + (i % 5)], agesMs: Array.from({ length: hits }, (_, k) => (i + k) * 7 * MIN) }),
      };
      await store.ingest(at(end, { lookups }), end);
    }
    const end = start + 3 * DAY;
    const answers = async () => ({
      all: await store.lookups({ deployment: "prod", from: start, to: end + HOUR }),
      days: await store.lookups({ deployment: "prod", from: start + DAY, to: start + 2 * DAY }),
      totals: (await store.totals()).lookups,
    });
    const before = await answers();
    expect(before.all[0]!.requests).toBe(i);
    const report = await store.compact(end + 5 * MIN, { samples: null, labels: null, minutes: 2 * HOUR, hours: DAY, days: null });
    const moved = (step: string) => report.steps.find((s) => s.step === step)?.rows ?? 0;
    expect(moved("minute_lookups → hour_lookups")).toBeGreaterThan(0);
    expect(moved("hour_lookups → day_lookups")).toBeGreaterThan(0);
    expect(await answers()).toEqual(before);
    // Twice is the same: nothing left to roll, nothing counted twice.
    await store.compact(end + 5 * MIN, { samples: null, labels: null, minutes: 2 * HOUR, hours: DAY, days: null });
    expect(await answers()).toEqual(before);
  });
});
