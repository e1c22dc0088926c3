import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import { makeBatch, storedState, testMonitor } from "./helpers.ts";

const NOW = Date.UTC(2026, 0, 1, 12, 5);
const now = () => NOW;

describe("POST /v1/ingest", () => {
  it("stores a valid batch and reports it through the read API", async () => {
    const m = await testMonitor({ now });
    const batch = makeBatch({
      counters: {
        requests: 10,
        errors: { bad_request: 2 },
        latency: { bounds: [...LATENCY_BUCKETS_MS], counts: [0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], sum: 31 },
        dropped: 1,
      },
    });
    const res = await m.post(batch);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, batchId: batch.batchId, duplicate: false });

    const { deployments } = (await (await m.get("/v1/deployments")).json()) as {
      deployments: { name: string; target: string; dropped: number; versions: unknown[] }[];
    };
    expect(deployments).toEqual([
      expect.objectContaining({
        name: "prod",
        target: "worker",
        dropped: 1,
        activeTokens: 1,
        versions: [{ model: "titanic", version: "1.0.0", requests: 10, errors: 2, lastSeen: Date.UTC(2026, 0, 1, 12, 0) }],
      }),
    ]);
    const { samples } = (await (await m.get("/v1/samples?deployment=prod&limit=5")).json()) as { samples: unknown[] };
    expect(samples).toEqual([
      expect.objectContaining({
        requestId: "req-1",
        batchId: batch.batchId,
        features: { age: 22, sex: "male" },
        prediction: { label: 0, score: 0.12 },
        status: 200,
      }),
    ]);
  });

  it("is idempotent by batchId, also under concurrent retries", async () => {
    const m = await testMonitor({ now });
    const batch = makeBatch();
    const results = await Promise.all([1, 2, 3, 4, 5].map(async () => (await m.post(batch)).json() as Promise<{ duplicate: boolean }>));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await (await m.post(batch)).json()).toMatchObject({ ok: true, duplicate: true });
    const totals = await m.store.totals();
    expect(totals.rows[0]?.requests).toBe(10);
    expect(totals.batches).toEqual({ prod: 1 });
    expect(await storedState(m.store)).toEqual({ rows: 1, batches: 1, samples: 1 });
  });

  it("accepts a beacon: text/plain body with the token in the query string", async () => {
    const m = await testMonitor({ now });
    const res = await m.app.request(`/v1/ingest?token=${m.token}`, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(makeBatch()),
    });
    expect(res.status).toBe(200);
  });

  it("answers CORS preflights so browser deployments can post", async () => {
    const m = await testMonitor({ now });
    const res = await m.app.request("/v1/ingest", {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  describe("refuses and stores nothing", () => {
    it("401 without a token, with an unknown token, and with a revoked token", async () => {
      const m = await testMonitor({ now });
      const missing = await m.post(makeBatch(), { token: null });
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ error: { code: "UNAUTHORIZED", message: "missing ingest token" } });
      const unknown = await m.post(makeBatch(), { token: "edgeml_not-a-real-token" });
      expect(unknown.status).toBe(401);
      expect(await unknown.json()).toMatchObject({ error: { message: "unknown ingest token: this monitor never issued it" } });
      await m.store.revokeTokens("prod", NOW);
      const revoked = await m.post(makeBatch());
      expect(revoked.status).toBe(401);
      expect(await revoked.json()).toMatchObject({
        error: {
          message: expect.stringMatching(/^ingest token tok_[0-9a-f]+ of deployment "prod" was revoked 2026-/),
          hint: expect.stringContaining("token create prod"),
        },
      });
      expect(await storedState(m.store)).toEqual({ rows: 0, batches: 0, samples: 0 });
    });

    it("403 with a token of another deployment", async () => {
      const m = await testMonitor({ now });
      const res = await m.post(makeBatch({ deployment: "staging" }));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: {
          code: "FORBIDDEN",
          message: 'token is for deployment "prod", batch says "staging"',
          hint: 'pass --deployment prod (edge-ml dev) or set EDGE_ML_DEPLOYMENT=prod where the edge runs; to report as "staging", use its token: edge-ml monitor token create staging',
        },
      });
      expect(await storedState(m.store)).toEqual({ rows: 0, batches: 0, samples: 0 });
    });

    it("413 over the body limit, 415 for another content type", async () => {
      const m = await testMonitor({ now, maxBodyBytes: 2048 });
      const big = makeBatch({
        samples: Array.from({ length: 40 }, (_, i) => ({ ts: 1, requestId: `r${i}`, latencyMs: 1, status: 200, features: { text: "x".repeat(100) } })),
      });
      const tooLarge = await m.post(big);
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
      expect((await m.post(makeBatch(), { contentType: "application/x-www-form-urlencoded" })).status).toBe(415);
      expect(await storedState(m.store)).toEqual({ rows: 0, batches: 0, samples: 0 });
    });
  });

  // Each case breaks one field of a valid batch. `bad` casts deliberately invalid values past the batch type.
  type Batch = ReturnType<typeof makeBatch>;
  const bad = <T>(value: unknown) => value as T;
  const sample = (b: Batch) => b.samples[0]!;
  type Case = [name: string, mutate: (b: Batch) => unknown, path: string];
  const cases: Case[] = [
    ["v is not 1", (b) => void (b.v = bad(2)), "v"],
    ["batchId missing", (b) => void Reflect.deleteProperty(b, "batchId"), "batchId"],
    ["batchId too short", (b) => void (b.batchId = "abc"), "batchId"],
    ["batchId with spaces", (b) => void (b.batchId = "has spaces in it"), "batchId"],
    ["deployment empty", (b) => void (b.deployment = ""), "deployment"],
    ["target unknown", (b) => void (b.target = bad("lambda")), "target"],
    ["model without version", (b) => void Reflect.deleteProperty(b.model, "version"), "model.version"],
    ["model with an extra key", (b) => void Reflect.set(b.model, "stage", "prod"), "model"],
    ["window ends before it starts", (b) => void (b.window.end = b.window.start - 1), "window.end"],
    ["window start negative", (b) => void (b.window.start = -5), "window.start"],
    ["window start not an integer", (b) => void (b.window.start = 1.5), "window.start"],
    ["requests negative", (b) => void (b.counters.requests = -1), "counters.requests"],
    ["requests as a string", (b) => void (b.counters.requests = bad("10")), "counters.requests"],
    ["unknown error class", (b) => void (b.counters.errors = bad({ teapot: 1 })), "counters.errors"],
    ["more errors than requests", (b) => void (b.counters.errors = { internal: 11 }), "counters.errors"],
    ["other latency bounds", (b) => void (b.counters.latency.bounds = [1, 2, 3]), "counters.latency.bounds"],
    ["latency counts of the wrong length", (b) => void (b.counters.latency.counts = [10]), "counters.latency.counts"],
    ["latency counts not adding up to requests", (b) => void (b.counters.latency.counts[0] = 5), "counters.latency.counts"],
    ["latency sum negative", (b) => void (b.counters.latency.sum = -1), "counters.latency.sum"],
    ["latency missing", (b) => void Reflect.deleteProperty(b.counters, "latency"), "counters.latency"],
    ["dropped missing", (b) => void Reflect.deleteProperty(b.counters, "dropped"), "counters.dropped"],
    ["samples not an array", (b) => void (b.samples = bad({})), "samples"],
    ["more than 1000 samples", (b) => void (b.samples = Array.from({ length: 1001 }, () => sample(b))), "samples"],
    ["sample status not an HTTP status", (b) => void (sample(b).status = 42), "samples[0].status"],
    ["sample requestId over 128 characters", (b) => void (sample(b).requestId = "r".repeat(129)), "samples[0].requestId"],
    ["sample latency negative", (b) => void (sample(b).latencyMs = -1), "samples[0].latencyMs"],
    ["sample slice value not a string", (b) => void (sample(b).slices = bad({ island: 3 })), "samples[0].slices.island"],
    ["sample features as an array", (b) => void (sample(b).features = bad([1, 2])), "samples[0].features"],
    ["sample with an extra key", (b) => void Reflect.set(sample(b), "label", 1), "samples[0]"],
    ["sample error over 1024 characters", (b) => void (sample(b).error = "e".repeat(1025)), "samples[0].error"],
    ["unknown top-level key", (b) => void Reflect.set(b, "extra", true), "(root)"],
    ["not an object", () => [], "(root)"],
  ];

  it.each(cases)("400 and nothing stored: %s", async (_name, mutate, path) => {
    const m = await testMonitor({ now });
    const batch = structuredClone(makeBatch());
    const replaced = mutate(batch);
    const res = await m.post(replaced ?? batch);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe("INVALID_BATCH");
    expect(body.error.issues.map((i) => i.path)).toContain(path);
    expect(await storedState(m.store)).toEqual({ rows: 0, batches: 0, samples: 0 });
    // The refused batchId was not recorded either: the corrected batch is stored, not taken for a duplicate.
    if (typeof batch.batchId === "string" && /^[A-Za-z0-9_-]{8,64}$/.test(batch.batchId)) {
      expect(await (await m.post(makeBatch({ batchId: batch.batchId }))).json()).toMatchObject({ duplicate: false });
    }
  });

  it("400 for a body that is not JSON", async () => {
    const m = await testMonitor({ now });
    const res = await m.post("{ not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "INVALID_JSON" } });
  });

  it("names every bad field in one answer", async () => {
    const m = await testMonitor({ now });
    const batch = structuredClone(makeBatch());
    batch.target = bad("lambda");
    batch.counters.requests = -1;
    sample(batch).status = 42;
    sample(batch).latencyMs = bad("fast");
    const body = (await (await m.post(batch)).json()) as { error: { message: string; issues: { path: string; message: string }[] } };
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(["counters.requests", "samples[0].latencyMs", "samples[0].status", "target"]);
    expect(body.error.message).toBe("invalid telemetry batch (4 issues)");
  });
});
