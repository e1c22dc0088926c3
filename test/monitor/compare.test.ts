/**
 * `/v1/compare` over a real store (issue 14): batches of a champion and a shadow challenger, ingested through the
 * monitor app, come back per arm with client requests and shadow runs apart, errors, latency quantiles, agreement on
 * the paired samples and verdicts; bad parameters are 400s that name the parameter.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { armDrift } from "../../monitor/analytics/arm-drift.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import type { compareReport } from "../../monitor/analytics/compare.ts";
import { makeBatch, testMonitor } from "./helpers.ts";

type Report = Awaited<ReturnType<typeof compareReport>>;

const END = Date.UTC(2026, 0, 1, 12, 0, 30);
const RANGE = `from=${new Date(END - 3_600_000).toISOString()}&to=${new Date(END + 3_600_000).toISOString()}`;

/** `n` requests all in one latency bucket, samples for the first `sampled` ids. */
function batch(
  version: string,
  rollout: { arm: "champion" | "challenger"; mode?: "shadow" | "canary" },
  o: { n: number; errors: number; bucket: number; label: (i: number) => string },
) {
  const counts = LATENCY_BUCKETS_MS.map((_b, i) => (i === o.bucket ? o.n : 0)).concat(0);
  return makeBatch({
    model: { name: "titanic", version },
    rollout,
    counters: {
      requests: o.n,
      errors: o.errors > 0 ? { internal: o.errors } : {},
      latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: o.n * (LATENCY_BUCKETS_MS[o.bucket] ?? 1) },
      dropped: 0,
    },
    samples: Array.from({ length: 40 }, (_x, i) => ({
      ts: END - 1000,
      requestId: `r${i}`,
      prediction: { label: o.label(i), score: o.label(i) === "yes" ? 0.9 : 0.1 },
      latencyMs: 1,
      status: 200,
    })),
  });
}

describe("GET /v1/compare", () => {
  it("reports both arms, shadow runs apart, agreement on paired samples and verdicts", async () => {
    const m = await testMonitor();
    expect((await m.post(batch("1.0.0", { arm: "champion" }, { n: 400, errors: 4, bucket: 3, label: () => "yes" }))).status).toBe(200);
    const shadow = batch("1.1.0", { arm: "challenger", mode: "shadow" }, { n: 400, errors: 40, bucket: 5, label: (i) => (i < 36 ? "yes" : "no") });
    expect((await m.post(shadow)).status).toBe(200);
    // A batch of a build without a challenger is no arm.
    expect((await m.post(makeBatch({ model: { name: "titanic", version: "0.9.0" } }))).status).toBe(200);

    const res = await m.get(`/v1/compare?deployment=prod&model=titanic&${RANGE}&step=1h`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Report;
    expect(body.mode).toBe("shadow");
    const [champion, challenger] = body.arms;
    expect(champion).toMatchObject({ arm: "champion", version: "1.0.0", requests: 400, shadowRuns: 0, errors: 4, errorRate: 0.01 });
    expect(challenger).toMatchObject({ arm: "challenger", version: "1.1.0", mode: "shadow", requests: 0, shadowRuns: 400, errors: 40 });
    expect(champion?.latency.p50).toBeGreaterThan(2);
    expect(champion?.latency.p50).toBeLessThanOrEqual(5);
    expect(challenger?.latency.p50).toBeGreaterThan(10);
    expect(challenger?.errorRateInterval?.low).toBeGreaterThan(0.07);
    expect(body.agreement).toMatchObject({ pairs: 40, agree: 36, rate: 0.9, by: "label" });
    expect(body.verdicts["error_rate"]?.verdict).toBe("worse");
    expect(body.verdicts["latency_mean"]?.verdict).toBe("worse");
    expect(body.method).toContain("mSPRT");
  });

  it("says canary+shadow when the challenger ran both ways in the range, its client requests and shadow runs apart", async () => {
    const m = await testMonitor();
    expect((await m.post(batch("1.0.0", { arm: "champion" }, { n: 300, errors: 0, bucket: 3, label: () => "yes" }))).status).toBe(200);
    const canary = batch("1.1.0", { arm: "challenger", mode: "canary" }, { n: 30, errors: 0, bucket: 3, label: () => "yes" });
    const shadow = batch("1.1.0", { arm: "challenger", mode: "shadow" }, { n: 200, errors: 2, bucket: 3, label: () => "yes" });
    for (const b of [canary, shadow]) expect((await m.post(b)).status).toBe(200);
    const body = (await (await m.get(`/v1/compare?deployment=prod&model=titanic&${RANGE}&step=1h`)).json()) as Report;
    expect(body.mode).toBe("canary+shadow");
    expect(body.arms[1]).toMatchObject({ version: "1.1.0", mode: "canary+shadow", requests: 30, shadowRuns: 200, errors: 2 });
    expect(body.arms[0]).toMatchObject({ version: "1.0.0", mode: null, requests: 300 });
  });

  it("names the bad or missing parameter and how to fix it", async () => {
    const m = await testMonitor();
    const missing = await m.get("/v1/compare?deployment=prod");
    expect(missing.status).toBe(400);
    const e = ((await missing.json()) as { error: { message: string; issues: { path: string }[]; hint: string } }).error;
    expect(e.message).toBe("missing query parameter model");
    expect(e.issues[0]?.path).toBe("model");
    expect(e.hint).toContain("model=titanic");
    const alpha = await m.get(`/v1/compare?deployment=prod&model=titanic&alpha=2`);
    expect(alpha.status).toBe(400);
    expect(await alpha.text()).toContain('"path":"alpha"');
    const none = await m.get(`/v1/compare?deployment=prod&model=titanic&${RANGE}`);
    expect(none.status).toBe(404);
    expect(await none.text()).toContain("--challenger");
  });

  it("adds label metrics per arm once delayed labels arrive, and an accuracy verdict", async () => {
    const m = await testMonitor();
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as { baseline: unknown };
    for (const version of ["1.0.0", "1.1.0"]) {
      const res = await m.app.request("/v1/deployments/prod/baseline", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "titanic", version, baseline: manifest.baseline, task: "binary", positiveLabel: "yes" }),
      });
      expect(res.status).toBe(201);
    }
    await m.post(batch("1.0.0", { arm: "champion" }, { n: 100, errors: 0, bucket: 3, label: () => "yes" }));
    await m.post(batch("1.1.0", { arm: "challenger", mode: "shadow" }, { n: 100, errors: 0, bucket: 3, label: (i) => (i < 30 ? "yes" : "no") }));
    // The truth: the first 30 of the 40 sampled requests survived. The champion says "yes" to all (30/40 right),
    // the challenger "yes" to exactly those 30 (40/40).
    const items = Array.from({ length: 40 }, (_x, i) => ({ requestId: `r${i}`, label: i < 30 ? "yes" : "no" }));
    const fb = await m.app.request("/v1/feedback", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${m.token}` },
      body: JSON.stringify({ items }),
    });
    expect(fb.status).toBe(200);
    const body = (await (await m.get(`/v1/compare?deployment=prod&model=titanic&${RANGE}`)).json()) as Report;
    const [champion, challenger] = body.arms;
    expect(champion.labels).toMatchObject({ labeled: 40 });
    expect(champion.labels?.metrics["accuracy"]).toBe(0.75);
    expect(challenger.labels?.metrics["accuracy"]).toBe(1);
    expect(body.verdicts["accuracy"]?.estimate).toBe(0.25);
  });
});

describe("drift between the arms' predictions", () => {
  const cat = (yes: number, no: number) => ({ kind: "categorical" as const, counts: { yes, no }, other: 0, missing: 0, unseen: {} });
  const profile = (yes: number, no: number) => ({ rows: yes + no, features: {}, predictionLabel: cat(yes, no) });

  it("compares predicted labels with core/drift's measure for the sample size", () => {
    const moved = armDrift(profile(5000, 5000), profile(8000, 2000), undefined, undefined);
    expect(moved.of).toBe("predictionLabel");
    if (moved.of === null) return;
    expect(moved.drift.chosen).toMatchObject({ measure: "jensen_shannon", drifted: true });
    const same = armDrift(profile(5000, 5000), profile(5010, 4990), undefined, undefined);
    expect(same.of === null ? undefined : same.drift.chosen.drifted).toBe(false);
  });

  it("says why scores in different bins are not compared", () => {
    const num = { kind: "numeric" as const, counts: [1, 2], missing: 0, count: 3, sum: 1, sumSq: 1, min: 0, max: 1 };
    const p = { rows: 3, features: {}, prediction: num };
    const r = armDrift(p, p, undefined, undefined);
    expect(r).toMatchObject({ of: null });
    expect(armDrift(undefined, p, undefined, undefined)).toMatchObject({ of: null, reason: expect.stringContaining("no profiles") });
  });
});
