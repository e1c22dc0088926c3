/**
 * The telemetry batch's optional `lookups` (issue 16): per feature view, lookups, misses, store latency and value age.
 * Batches without it still validate (protocol v1 stays backward compatible); bad shapes are refused with the path of
 * the bad field, through zod and through the monitor's fast path alike.
 */
import { describe, expect, it } from "vitest";
import { AGE_BUCKETS_MS, TelemetryBatch, type TelemetryBatchInput } from "../../../core/schema/telemetry.ts";
import { parseTelemetryBatch } from "../../../core/schema/telemetry-fast.ts";
import { viewLookups } from "../../monitor/lookups-helpers.ts";
import { makeBatch } from "../../monitor/helpers.ts";

const customer = () => viewLookups({ keys: 4, misses: 1, expired: 1, latenciesMs: [2.5, 3, 40], agesMs: [30_000, 7_200_000, 40 * 86_400_000] });

/** Issues of both validators (they must agree), as "path: message". */
function issues(batch: unknown): string[] {
  const zod = TelemetryBatch.safeParse(structuredClone(batch));
  const fast = parseTelemetryBatch(structuredClone(batch));
  const fromZod = zod.success ? [] : zod.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  const fromFast = fast.success ? [] : fast.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  expect(fromFast).toEqual(fromZod);
  return fromZod;
}

const withView = (over: (v: ReturnType<typeof customer>) => unknown): TelemetryBatchInput =>
  ({ ...makeBatch(), lookups: { customer: over(customer()) } }) as TelemetryBatchInput;

describe("telemetry batch lookups (issue 16)", () => {
  it("accepts batches without lookups (older edges) and with them, unchanged", () => {
    expect(issues(makeBatch())).toEqual([]);
    const batch = makeBatch({ lookups: { customer: customer(), item_stats: viewLookups({ keys: 0, misses: 0, latenciesMs: [1], agesMs: [] }) } });
    expect(issues(batch)).toEqual([]);
    expect(TelemetryBatch.parse(batch).lookups).toEqual(batch.lookups);
    expect(customer().age.counts).toEqual([1, 0, 0, 1, 0, 0, 0, 1]); // 30 s, 2 h, 40 d
  });

  it("refuses inconsistent counts with the field's path", () => {
    expect(issues(withView((v) => ({ ...v, misses: 5 })))).toEqual(["lookups.customer.misses: 5 misses but only 4 keys"]);
    expect(issues(withView((v) => ({ ...v, expired: 2 })))).toEqual(["lookups.customer.expired: 2 expired but only 1 misses"]);
    expect(issues(withView((v) => ({ ...v, misses: 2 })))).toEqual(["lookups.customer.age.counts: counts add up to 3, more than the 2 hits (keys - misses)"]);
    expect(issues(withView((v) => ({ ...v, requests: 4 })))).toEqual(["lookups.customer.latency.counts: counts add up to 3, expected requests = 4"]);
  });

  it("refuses bad shapes with paths: buckets, counts, negative sums, unknown fields", () => {
    expect(issues(withView((v) => ({ ...v, age: { ...v.age, bounds: [60_000] } })))).toEqual([
      `lookups.customer.age.bounds: expected the v1 age buckets [${AGE_BUCKETS_MS.join(", ")}]`,
    ]);
    expect(issues(withView((v) => ({ ...v, age: { ...v.age, counts: [1, 1, 1] } })))).toEqual([
      "lookups.customer.age.counts: expected 8 counts (bounds + older)",
    ]);
    expect(issues(withView((v) => ({ ...v, age: { ...v.age, max: -1 } })))[0]).toMatch(/^lookups\.customer\.age\.max: /);
    expect(issues(withView((v) => ({ ...v, keys: 1.5 })))[0]).toMatch(/^lookups\.customer\.keys: /);
    expect(issues(withView((v) => ({ ...v, hits: 3 })))[0]).toMatch(/^lookups\.customer: Unrecognized key: "hits"/);
    expect(issues(withView((v) => ({ ...v, latency: undefined })))[0]).toMatch(/^lookups\.customer\.latency: /);
  });

  it("bounds the views: at most 32, named as feature views are", () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`view_${i}`, customer()]));
    expect(issues({ ...makeBatch(), lookups: many })).toEqual(["lookups: 33 views; at most 32 per batch"]);
    expect(issues({ ...makeBatch(), lookups: { "bad view": customer(), "9lives": customer(), ok_view: customer() } })).toEqual([
      "lookups.bad view: a view name is 1-128 letters, digits and '_', not starting with a digit",
      "lookups.9lives: a view name is 1-128 letters, digits and '_', not starting with a digit",
    ]);
    expect(issues({ ...makeBatch(), lookups: [customer()] })[0]).toMatch(/^lookups: /);
  });
});
