/**
 * Profiles on the monitor: added into one row per (deployment, version, slice value, bucket) inside the ingest
 * transaction, idempotent with the batch, validated, and never able to cost a batch its counters.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Manifest } from "../../core/schema/manifest.ts";
import { LATENCY_BUCKETS_MS, TelemetryBatch, type BatchProfile } from "../../core/schema/telemetry.ts";
import { mergeProfiles } from "../../core/stats/profile.ts";
import { openSqliteStore } from "../../monitor/store/sqlite/store.ts";
import { createProfileSet } from "../../runtime/telemetry/profiles.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { makeBatch, testMonitor } from "./helpers.ts";

const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")));
const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);

function profile(n: number, seed: number, baseline = manifest.baseline!): BatchProfile {
  const set = createProfileSet(baseline, ["sex"]);
  for (let i = 0; i < n; i++)
    set.add(
      [{ sex: (i + seed) % 3 === 0 ? "female" : "male", age: (i * 7 + seed) % 90, passengerClass: "3rd" }],
      [{ score: ((i + seed) % 10) / 10, label: "no" }],
    );
  return set.take()!;
}

function batchAt(end: number, p: BatchProfile, requests = 10) {
  const counts = LATENCY_BUCKETS_MS.map((_b, k) => (k === 3 ? requests : 0)).concat(0);
  return makeBatch({
    window: { start: end - 5000, end },
    profile: p,
    counters: { requests, errors: {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 3 }, dropped: 0 },
  });
}

afterEach(() => vi.restoreAllMocks());

describe("profile storage", () => {
  it("adds batch profiles into per-minute rows, overall and per slice value; a resent batch adds nothing", async () => {
    const m = await testMonitor({ now: () => MINUTE + 3_600_000 });
    const [a, b, c] = [profile(40, 1), profile(25, 2), profile(30, 3)];
    const first = batchAt(MINUTE + 10_000, a);
    for (const batch of [first, batchAt(MINUTE + 50_000, b), batchAt(MINUTE + 70_000, c), first]) expect((await m.post(batch)).status).toBe(200);
    const rows = await m.store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "all" });
    const key = (r: { bucket: number; sliceKey: string; sliceValue: string }) => `${r.bucket - MINUTE}/${r.sliceKey}=${r.sliceValue}`;
    expect(rows.map(key).sort()).toEqual(["0/=", "0/sex=female", "0/sex=male", "60000/=", "60000/sex=female", "60000/sex=male"]);
    const overall0 = rows.find((r) => key(r) === "0/=")!;
    expect(overall0.rows).toBe(65);
    expect(overall0.profile).toEqual(mergeProfiles(a.overall, b.overall));
    expect(rows.find((r) => key(r) === "0/sex=male")!.profile).toEqual(mergeProfiles(a.bySlice["sex"]!["male"]!, b.bySlice["sex"]!["male"]!));
    expect(rows.find((r) => key(r) === "60000/=")!.profile).toEqual(c.overall);
    // "overall" reads skip the slice rows; a slice key reads the overall rows and that slice.
    expect(
      (await m.store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "overall" })).length,
    ).toBe(2);
    expect(await m.store.profileSeries("prod")).toEqual([{ model: "titanic", version: "1.0.0", firstBucket: MINUTE, lastBucket: MINUTE + 60_000 }]);
  });

  it("survives a restart: the in-memory cache is only a shortcut for the stored rows", async () => {
    const file = join(tempDir(), "m.db");
    const [a, b] = [profile(10, 1), profile(20, 2)];
    let store = await openSqliteStore({ file });
    await store.ingest(TelemetryBatch.parse(batchAt(MINUTE + 1000, a)), MINUTE + 2000);
    await store.close();
    store = await openSqliteStore({ file });
    await store.ingest(TelemetryBatch.parse(batchAt(MINUTE + 3000, b)), MINUTE + 4000);
    const [row] = await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "overall" });
    expect(row!.profile).toEqual(mergeProfiles(a.overall, b.overall));
    await store.close();
  });

  it("keeps a batch's counters when its profile does not match the stored bins, and says so", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const m = await testMonitor({ now: () => MINUTE + 3_600_000 });
    expect((await m.post(batchAt(MINUTE + 1000, profile(10, 1)))).status).toBe(200);
    const other = structuredClone(manifest.baseline!);
    other.features["age"] = { ...other.features["age"]!, kind: "numeric", edges: [30], counts: [391, 391] } as never;
    expect((await m.post(batchAt(MINUTE + 2000, profile(10, 2, other), 7))).status).toBe(200);
    const [row] = await m.store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "overall" });
    expect(row!.rows).toBe(10);
    expect((await m.store.totals()).rows[0]!.requests).toBe(17);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("not merged"));
  });

  it("refuses a malformed profile with the field's path, storing nothing", async () => {
    const m = await testMonitor();
    const p = profile(5, 1);
    (p.overall.features["age"] as { counts: number[] }).counts[2] = -1;
    const res = await m.post(batchAt(MINUTE, p));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path)).toEqual(["profile.overall.features.age.counts[2]"]);
    expect((await m.store.totals()).rows).toEqual([]);
  });

  it("buckets by the configured length (e.g. 5 s for demos and tests)", async () => {
    const store = await openSqliteStore({ file: ":memory:", profileBucketMs: 5000 });
    await store.ingest(TelemetryBatch.parse(batchAt(MINUTE + 12_345, profile(3, 1))), MINUTE + 20_000);
    const rows = await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "overall" });
    expect(rows.map((r) => r.bucket - MINUTE)).toEqual([10_000]);
    await expect(openSqliteStore({ file: ":memory:", profileBucketMs: 7000 })).rejects.toThrow(/divide a minute/);
    await store.close();
  });
});
