/**
 * Edge profiles: every served instance counted in the baseline's bins, overall and per slice value (bounded), shipped
 * in the batch as a typed `profile`, and exact (by addition) across pending-batch merges and batch splits.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { BatchProfile, SLICE_MISSING, SLICE_OTHER } from "../../../core/schema/telemetry.ts";
import { createProfiler, mergeProfiles, type Profile } from "../../../core/stats/profile.ts";
import { createTelemetry } from "../../../runtime/telemetry/index.ts";
import { createProfileSet, mergeBatchProfiles } from "../../../runtime/telemetry/profiles.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";
import { fakeClock, fakeFetch, noSleep, seeded } from "./helpers.ts";

const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")));
const baseline = manifest.baseline!;
const model = { name: "titanic", version: "1.0.0" };
const CLASSES = ["1st", "2nd", "3rd"];

function traffic(n: number, seed: number) {
  const rnd = seeded(seed);
  return Array.from({ length: n }, () => {
    const score = rnd();
    return {
      instance: { sex: rnd() < 0.6 ? "male" : "female", age: rnd() < 0.2 ? null : Math.round(rnd() * 80), passengerClass: CLASSES[Math.floor(rnd() * 3)]! },
      prediction: { score, label: score >= 0.5 ? "yes" : "no", probabilities: [1 - score, score] },
    };
  });
}

/** Profiles compared exactly on counts, and to 1e-9 on float sums (addition order differs). */
function rounded(p: unknown): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v)));
}

/** The reference: one profiler per group, fed directly. */
function reference(rows: ReturnType<typeof traffic>, key?: "sex" | "passengerClass") {
  const groups = new Map<string, ReturnType<typeof createProfiler>>();
  for (const r of rows) {
    const g = key === undefined ? "" : String(r.instance[key] ?? SLICE_MISSING);
    if (!groups.has(g)) groups.set(g, createProfiler(baseline));
    groups.get(g)!.add(r.instance);
    groups.get(g)!.addPrediction(r.prediction);
  }
  return Object.fromEntries([...groups].map(([g, p]) => [g, p.snapshot()]));
}

describe("profile set", () => {
  it("counts every instance overall and per slice value, then starts the next window from zero", () => {
    const rows = traffic(500, 1);
    const set = createProfileSet(baseline, ["passengerClass", "sex"]);
    for (let i = 0; i < rows.length; i += 5)
      set.add(
        rows.slice(i, i + 5).map((r) => r.instance),
        rows.slice(i, i + 5).map((r) => r.prediction),
      );
    const p = BatchProfile.parse(set.take());
    expect(p.overall).toEqual(reference(rows)[""]);
    expect(p.bySlice["passengerClass"]).toEqual(reference(rows, "passengerClass"));
    expect(p.bySlice["sex"]).toEqual(reference(rows, "sex"));
    expect(p.overall.rows).toBe(500);
    expect(Object.values(p.bySlice["sex"]!).reduce((a, s) => a + s.rows, 0)).toBe(500);
    expect(set.take()).toBeUndefined(); // nothing since
  });

  it("bounds slice values: the first N per window, the rest in __other__, missing as __missing__", () => {
    const set = createProfileSet(baseline, ["passengerClass"], 3);
    const values = ["a", "b", null, "c", "d", "e", "a"];
    set.add(
      values.map((v) => ({ sex: "male", age: 30, passengerClass: v })),
      undefined,
    );
    const p = set.take()!;
    expect(Object.fromEntries(Object.entries(p.bySlice["passengerClass"]!).map(([k, v]) => [k, v.rows]))).toEqual({
      a: 2,
      b: 1,
      [SLICE_MISSING]: 1,
      [SLICE_OTHER]: 3,
    });
    // The bound is per window: the next window names its own first values.
    set.add(
      ["x", "y", "z", "a"].map((v) => ({ sex: "male", age: 1, passengerClass: v })),
      undefined,
    );
    expect(Object.keys(set.take()!.bySlice["passengerClass"]!).sort()).toEqual([SLICE_OTHER, "x", "y", "z"]);
    expect(() => createProfileSet(baseline, [], 64)).toThrow(RangeError);
  });

  it("merges batch profiles by addition, folding values past the protocol bound into __other__", () => {
    const a = createProfileSet(baseline, ["sex"]);
    const b = createProfileSet(baseline, ["sex"]);
    const rows = traffic(200, 2);
    a.add(
      rows.slice(0, 120).map((r) => r.instance),
      rows.slice(0, 120).map((r) => r.prediction),
    );
    b.add(
      rows.slice(120).map((r) => r.instance),
      rows.slice(120).map((r) => r.prediction),
    );
    const merged = mergeBatchProfiles(a.take()!, b.take()!);
    expect(rounded(merged.overall)).toEqual(rounded(reference(rows)[""]));
    expect(rounded(merged.bySlice["sex"])).toEqual(rounded(reference(rows, "sex")));
    const many = (from: number) => {
      const s = createProfileSet(baseline, ["age"], 63);
      s.add(
        Array.from({ length: 63 }, (_, i) => ({ sex: "male", age: from + i, passengerClass: "1st" })),
        undefined,
      );
      return s.take()!;
    };
    const folded = mergeBatchProfiles(many(0), many(100));
    expect(Object.keys(folded.bySlice["age"]!)).toHaveLength(64);
    expect(folded.bySlice["age"]![SLICE_OTHER]!.rows).toBe(126 - 63);
    expect(BatchProfile.safeParse(folded).success).toBe(true);
  });
});

describe("telemetry client with a baseline", () => {
  const sum = (profiles: Profile[]) => profiles.reduce((a, p) => mergeProfiles(a, p));

  it("ships the window's profile in the batch (failed requests are not profiled)", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry({
      endpoint: "https://m.example",
      token: "t",
      deployment: "prod",
      target: "worker",
      fetch,
      sleep: noSleep,
      baseline,
      slices: manifest.slices,
      sampleRate: 0,
    });
    const rows = traffic(300, 3);
    rows.forEach((r, i) => t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200, features: [r.instance], predictions: [r.prediction] }));
    t.record({ model, requestId: "bad", latencyMs: 1, status: 400 });
    await t.flush();
    expect(sent).toHaveLength(1);
    const p = sent[0]!.body.profile!;
    expect(sent[0]!.body.counters.requests).toBe(301);
    expect(p.overall).toEqual(reference(rows)[""]);
    expect(p.bySlice["sex"]).toEqual(reference(rows, "sex"));
  });

  it("puts the profile in the first batch of a window split by maxBatchSamples, with the counters", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry({
      endpoint: "https://m.example",
      token: "t",
      deployment: "prod",
      target: "worker",
      fetch,
      sleep: noSleep,
      baseline,
      sampleRate: 1,
      maxBatchSamples: 40,
    });
    const rows = traffic(100, 5);
    rows.forEach((r, i) => t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200, features: [r.instance], predictions: [r.prediction] }));
    await t.flush();
    expect(sent.map((s) => [s.body.samples.length, s.body.counters.requests, s.body.profile?.overall.rows ?? null])).toEqual([
      [40, 100, 100],
      [40, 0, null],
      [20, 0, null],
    ]);
    expect(sent[0]!.body.profile!.bySlice).toEqual({});
  });

  it("stays exact while the monitor is down: merged pending batches and split batches add up", async () => {
    const clock = fakeClock();
    let up = false;
    const { fetch, sent } = fakeFetch(() => (up ? 200 : 503));
    const t = createTelemetry({
      endpoint: "https://m.example",
      token: "t",
      deployment: "prod",
      target: "worker",
      fetch,
      sleep: noSleep,
      now: clock.now,
      random: seeded(9),
      baseline,
      slices: ["sex"],
      sampleRate: 1,
      maxPendingBatches: 2,
      maxBatchSamples: 40,
      maxBufferedSamples: 100_000,
      maxAttempts: 1,
    });
    const rows = traffic(600, 4);
    for (let w = 0; w < 6; w++) {
      rows
        .slice(w * 100, w * 100 + 100)
        .forEach((r, i) => t.record({ model, requestId: `w${w}-${i}`, latencyMs: 1, status: 200, features: [r.instance], predictions: [r.prediction] }));
      clock.advance(20_000);
      await t.flush();
    }
    up = true;
    clock.advance(600_000);
    await t.flush();
    // A batch keeps its id and counters from its first attempt on, so the distinct ids are what the monitor stored.
    const final = [...new Map(sent.map((s) => [s.body.batchId, s.body])).values()];
    const withProfile = final.filter((b) => b.profile !== undefined);
    expect(rounded(sum(withProfile.map((b) => b.profile!.overall)))).toEqual(rounded(reference(rows)[""]));
    expect(final.reduce((a, b) => a + b.samples.length, 0) + t.stats().dropped).toBe(600);
    expect(final.reduce((a, b) => a + b.counters.requests, 0)).toBe(600);
    expect(t.stats().pendingBatches).toBe(0);
  });
});
