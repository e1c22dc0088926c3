import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../../core/schema/telemetry.ts";
import { bucketIndex } from "../../../core/stats/histogram.ts";
import { createTelemetry } from "../../../runtime/telemetry/index.ts";
import type { TelemetryOptions } from "../../../runtime/telemetry/types.ts";
import { fakeClock, fakeFetch, noSleep, seeded } from "./helpers.ts";

const model = { name: "titanic", version: "1.0.0" };
const base = (over: Partial<TelemetryOptions> = {}): TelemetryOptions => ({
  endpoint: "https://monitor.example/",
  token: "edgeml_test",
  deployment: "prod",
  target: "worker",
  sleep: noSleep,
  ...over,
});

afterEach(() => void vi.unstubAllGlobals());

describe("counters", () => {
  it("are exact over every request while only a sample of rows is kept", async () => {
    const rnd = seeded(42);
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, random: seeded(7), sampleRate: 0.1, maxBufferedSamples: 5000 }));
    const expected = {
      requests: 0,
      errors: {} as Record<string, number>,
      latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
      sum: 0,
      errorRows: 0,
    };
    const statuses = [200, 200, 200, 200, 200, 200, 200, 400, 413, 500];
    for (let i = 0; i < 3000; i++) {
      const status = statuses[Math.floor(rnd() * statuses.length)]!;
      const latencyMs = rnd() ** 3 * 400;
      t.record({ model, requestId: `r${i}`, latencyMs, status, features: [{ age: i % 80 }], predictions: [{ score: 0.5 }] });
      expected.requests++;
      expected.latency[bucketIndex(LATENCY_BUCKETS_MS, latencyMs)]!++;
      expected.sum += latencyMs;
      if (status >= 400) {
        const cls = status === 413 ? "too_large" : status === 500 ? "internal" : "bad_request";
        expected.errors[cls] = (expected.errors[cls] ?? 0) + 1;
        expected.errorRows++;
      }
    }
    await t.flush();
    const batches = sent.map((s) => s.body);
    const requests = batches.reduce((a, b) => a + b.counters.requests, 0);
    expect(requests).toBe(3000);
    const latency = batches.reduce((acc, b) => acc.map((n, i) => n + b.counters.latency.counts[i]!), new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0));
    expect(latency).toEqual(expected.latency);
    expect(batches.reduce((a, b) => a + b.counters.latency.sum, 0)).toBeCloseTo(expected.sum, 6);
    expect(batches[0]!.counters.errors).toEqual(expected.errors);
    const samples = batches.flatMap((b) => b.samples);
    const errorRows = samples.filter((s) => s.error !== undefined);
    expect(errorRows).toHaveLength(expected.errorRows); // every error, whatever the sample rate
    const okRows = samples.length - errorRows.length;
    const ok = 3000 - expected.errorRows;
    expect(okRows).toBeGreaterThan(ok * 0.07);
    expect(okRows).toBeLessThan(ok * 0.13);
    expect(t.stats()).toMatchObject({ pendingBatches: 0, bufferedSamples: 0, dropped: 0 });
  });

  it("keeps one accumulator per model version and sends one batch per version", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 0 }));
    for (let i = 0; i < 10; i++) t.record({ model: { name: "titanic", version: i < 7 ? "1.0.0" : "2.0.0" }, requestId: `r${i}`, latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent.map((s) => [s.body.model.version, s.body.counters.requests])).toEqual([
      ["1.0.0", 7],
      ["2.0.0", 3],
    ]);
    expect(new Set(sent.map((s) => s.body.batchId)).size).toBe(2);
    expect(sent[0]).toMatchObject({
      url: "https://monitor.example/v1/ingest",
      headers: { authorization: "Bearer edgeml_test", "content-type": "application/json" },
    });
  });

  it("samples every error even at sample rate 0, with its class", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 0 }));
    for (let i = 0; i < 100; i++) t.record({ model, requestId: `r${i}`, latencyMs: 2, status: i % 20 === 0 ? 422 : 200 });
    t.record({ model, requestId: "custom", latencyMs: 2, status: 503, errorClass: "unavailable" });
    t.record({ model, requestId: "odd", latencyMs: 2, status: 200, errorClass: "made_up" }); // unknown class, error anyway
    await t.flush();
    const b = sent[0]!.body;
    expect(b.counters.errors).toEqual({ unprocessable: 5, unavailable: 1, internal: 1 });
    expect(b.samples.map((s) => [s.requestId, s.status, s.error])).toEqual([
      ["r0", 422, "unprocessable"],
      ["r20", 422, "unprocessable"],
      ["r40", 422, "unprocessable"],
      ["r60", 422, "unprocessable"],
      ["r80", 422, "unprocessable"],
      ["custom", 503, "unavailable"],
      ["odd", 200, "internal"],
    ]);
  });
});

describe("memory bound", () => {
  it("drops samples beyond maxBufferedSamples, counts them, and keeps counters exact", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 1, maxBufferedSamples: 50, maxBatchSamples: 1000 }));
    for (let i = 0; i < 200; i++) t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200, features: [{ i }] });
    expect(t.stats()).toMatchObject({ bufferedSamples: 50, dropped: 150 });
    await t.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.counters).toMatchObject({ requests: 200, dropped: 150 });
    expect(sent[0]!.body.samples).toHaveLength(50);
  });

  it("stays bounded while the monitor is down for long, then delivers exact counters", async () => {
    const clock = fakeClock();
    let down = true;
    const { fetch, sent } = fakeFetch(() => (down ? "throw" : 200));
    const t = createTelemetry(
      base({ fetch, now: clock.now, sampleRate: 1, maxBufferedSamples: 100, maxBatchSamples: 40, maxPendingBatches: 5, maxAttempts: 2 }),
    );
    let total = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 30; i++) {
        t.record({
          model: { name: "titanic", version: i % 3 === 0 ? "2.0.0" : "1.0.0" },
          requestId: `r${round}-${i}`,
          latencyMs: 1,
          status: 200,
          features: [{ i }],
        });
        total++;
      }
      clock.advance(10_000);
      await t.flush();
      const s = t.stats();
      expect(s.pendingSamples + s.bufferedSamples).toBeLessThanOrEqual(100);
      expect(s.pendingBatches).toBeLessThanOrEqual(5 + 2); // the bound, plus one batch per model version past it
    }
    down = false;
    await t.flush();
    expect(t.stats()).toMatchObject({ pendingBatches: 0, pendingSamples: 0 });
    const delivered = new Map(sent.filter((s) => s.body.batchId).map((s) => [s.body.batchId, s.body]));
    const ok = [...delivered.values()];
    expect(ok.reduce((a, b) => a + b.counters.requests, 0)).toBe(total);
    const dropped = ok.reduce((a, b) => a + b.counters.dropped, 0);
    const kept = ok.reduce((a, b) => a + b.samples.length, 0);
    expect(kept + dropped).toBe(total); // every sampled row is either delivered or counted as dropped
    expect(t.stats().dropped).toBe(dropped);
  });
});

describe("delivery", () => {
  it("retries with exponential backoff and jitter, keeping the batchId", async () => {
    const sleeps: number[] = [];
    const { fetch, sent } = fakeFetch((n) => (n === 1 ? "throw" : n === 2 ? 503 : 200));
    const t = createTelemetry(base({ fetch, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), retryBaseMs: 100 }));
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((s) => s.body.batchId)).size).toBe(1);
    expect(sleeps).toEqual([75, 150]); // exp/2 + random * exp/2 with exp = 100, 200
    expect(t.stats()).toMatchObject({ pendingBatches: 0, sentBatches: 1 });
  });

  it("keeps a failed batch pending and sends it first, under the same id, on the next flush", async () => {
    let up = false;
    const { fetch, sent } = fakeFetch(() => (up ? 200 : "throw"));
    const errors: string[] = [];
    const t = createTelemetry(base({ fetch, maxAttempts: 3, onError: (e) => void errors.push(e.message) }));
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent).toHaveLength(3);
    expect(t.stats()).toMatchObject({ pendingBatches: 1, lastError: "fetch failed" });
    expect(errors).toEqual(["fetch failed"]);
    const firstId = sent[0]!.body.batchId;

    t.record({ model, requestId: "b", latencyMs: 1, status: 200 });
    up = true;
    await t.flush();
    const delivered = sent.slice(3);
    expect(delivered.map((s) => s.body.batchId)[0]).toBe(firstId);
    expect(delivered[1]!.body.batchId).not.toBe(firstId);
    expect(delivered.map((s) => s.body.counters.requests)).toEqual([1, 1]);
    expect(t.stats()).toMatchObject({ pendingBatches: 0, sentBatches: 2 });
  });

  it("drops a batch the monitor refuses as invalid instead of retrying it forever", async () => {
    const { fetch, sent } = fakeFetch((n) => (n === 1 ? 400 : 200));
    const t = createTelemetry(base({ fetch }));
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent).toHaveLength(1);
    expect(t.stats()).toMatchObject({ pendingBatches: 0, rejectedBatches: 1 });
    expect(t.stats().lastError).toContain("monitor answered 400");
  });

  it("does not retry a refusal (401/403): it pauses, drops and counts what it cannot send, and says why once", async () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const refusal = { error: { code: "FORBIDDEN", message: 'token is for deployment "a", batch says "b"', hint: "pass --deployment a" } };
    let refuse = true;
    const { fetch, sent } = fakeFetch(() => (refuse ? { status: 403, body: refusal } : 200));
    const t = createTelemetry(base({ fetch, deployment: "b", now: clock.now, log: (l) => lines.push(l), refusalPauseMs: 60_000 }));
    for (let i = 0; i < 3; i++) t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent).toHaveLength(1); // no retries within the flush
    expect(lines).toEqual([
      'edge-ml telemetry: the monitor at https://monitor.example/ refused the batches of deployment "b" (403 FORBIDDEN): token is for deployment "a", batch says "b". Fix: pass --deployment a. Telemetry is paused (next try in 1 min); what cannot be sent is dropped and counted.',
    ]);
    expect(t.stats()).toMatchObject({
      pendingBatches: 0,
      refused: { status: 403, code: "FORBIDDEN", hint: "pass --deployment a", droppedBatches: 1, droppedRequests: 3 },
    });

    // Paused: nothing goes out, and what is sealed meanwhile is counted as dropped.
    t.record({ model, requestId: "p", latencyMs: 1, status: 200 });
    clock.advance(30_000);
    expect(t.shouldFlush()).toBe(false);
    await t.flush();
    expect(sent).toHaveLength(1);
    expect(t.stats().refused).toMatchObject({ droppedBatches: 2, droppedRequests: 4 });

    // After the pause one probe; refused again: still counted, not logged again.
    clock.advance(30_000);
    t.record({ model, requestId: "q", latencyMs: 1, status: 200 });
    clock.advance(10_000);
    expect(t.shouldFlush()).toBe(true);
    await t.flush();
    expect(sent).toHaveLength(2);
    expect(lines).toHaveLength(1);
    expect(t.stats().refused).toMatchObject({ droppedBatches: 3, droppedRequests: 5 });

    // Fixed on the monitor's side (e.g. restarted on the right database): the next probe delivers.
    refuse = false;
    clock.advance(60_000);
    t.record({ model, requestId: "ok", latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent.at(-1)?.body.counters.requests).toBe(1);
    expect(t.stats()).toMatchObject({ sentBatches: 1, pendingBatches: 0 });
  });

  it("reads a refusal that is not in the monitor's shape (a proxy's 401 page)", async () => {
    const lines: string[] = [];
    const { fetch } = fakeFetch(() => ({ status: 401, body: "Unauthorized" }));
    const t = createTelemetry(base({ fetch, deployment: "proxied", log: (l) => lines.push(l) }));
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    await t.flush();
    expect(lines[0]).toContain('refused the batches of deployment "proxied" (401): Unauthorized. Fix: create a token');
    expect(t.stats().refused).toMatchObject({ status: 401, code: undefined, message: "Unauthorized", droppedRequests: 1 });
  });

  it("splits samples into batches of maxBatchSamples; only the first carries the counters", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 1, maxBatchSamples: 10 }));
    for (let i = 0; i < 25; i++) t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent.map((s) => [s.body.counters.requests, s.body.samples.length])).toEqual([
      [25, 10],
      [0, 10],
      [0, 5],
    ]);
  });

  it("joins a flush already in flight instead of sending twice", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch }));
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    await Promise.all([t.flush(), t.flush(), t.flush()]);
    expect(sent).toHaveLength(1);
  });
});

describe("shouldFlush", () => {
  it("turns true by age of the oldest counters or by a batch worth of samples, and backs off after failures", async () => {
    const clock = fakeClock();
    let up = true;
    const { fetch } = fakeFetch(() => (up ? 200 : "throw"));
    const t = createTelemetry(base({ fetch, now: clock.now, flushIntervalMs: 10_000, sampleRate: 1, maxBatchSamples: 5, maxAttempts: 1 }));
    expect(t.shouldFlush()).toBe(false);
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    clock.advance(9_999);
    expect(t.shouldFlush()).toBe(false);
    clock.advance(1);
    expect(t.shouldFlush()).toBe(true);
    await t.flush();
    for (let i = 0; i < 5; i++) t.record({ model, requestId: `s${i}`, latencyMs: 1, status: 200 });
    expect(t.shouldFlush()).toBe(true); // size
    up = false;
    await t.flush();
    for (let i = 0; i < 5; i++) t.record({ model, requestId: `t${i}`, latencyMs: 1, status: 200 });
    expect(t.shouldFlush()).toBe(false); // backing off after the failure
    clock.advance(10_000);
    expect(t.shouldFlush()).toBe(true);
  });
});

describe("samples", () => {
  it("removes redacted features and replaces hashed ones by a salted SHA-256", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 1, redact: ["email"], hash: ["userId"], hashSalt: "pepper:" }));
    t.record({
      model,
      requestId: "a",
      latencyMs: 1,
      status: 200,
      features: [
        { email: "a@b.c", userId: "u-17", age: 30 },
        { userId: 42, age: 31 },
      ],
      predictions: [1, 0],
      slices: { island: "Biscoe" },
    });
    await t.flush();
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(sent[0]!.body.samples).toEqual([
      {
        ts: expect.any(Number),
        requestId: "a",
        index: 0,
        latencyMs: 1,
        status: 200,
        slices: { island: "Biscoe" },
        features: { age: 30, userId: sha("pepper:u-17") },
        prediction: 1,
      },
      {
        ts: expect.any(Number),
        requestId: "a",
        index: 1,
        latencyMs: 1,
        status: 200,
        slices: { island: "Biscoe" },
        features: { age: 31, userId: sha("pepper:42") },
        prediction: 0,
      },
    ]);
    expect(JSON.stringify(sent[0]!.body)).not.toContain("a@b.c");
  });

  it("keeps samples within the protocol bounds whatever the app reports", async () => {
    const { fetch, sent } = fakeFetch(); // fakeFetch parses with the schema: an out-of-bounds sample would throw
    const t = createTelemetry(base({ fetch, sampleRate: 1 }));
    t.record({ model, requestId: "x".repeat(500), latencyMs: Number.NaN, status: 0, predictions: [10n ** 30n], slices: { long: "v".repeat(999) } });
    t.record({ model, requestId: "", latencyMs: -5, status: 200, features: [{ big: 2n ** 70n, arr: new Float32Array([1.5, 2]) }] });
    await t.flush();
    const [a, b] = sent[0]!.body.samples;
    expect(a).toMatchObject({ requestId: "x".repeat(128), latencyMs: 0, status: 500, prediction: "1000000000000000000000000000000" });
    expect(a!.slices!["long"]).toHaveLength(256);
    expect(b).toMatchObject({ requestId: "unknown", latencyMs: 0, features: { big: "1180591620717411303424", arr: [1.5, 2] } });
  });

  it("never ships images or audio in samples: their size instead", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 1 }));
    const pixels = { width: 640, height: 480, channels: 4, data: new Uint8ClampedArray(640 * 480 * 4) };
    t.record({
      model,
      requestId: "m",
      latencyMs: 1,
      status: 200,
      features: [{ photo: { b64: "A".repeat(4000) }, clip: new Float32Array(16000), frame: pixels, age: 3 }],
    });
    await t.flush();
    expect(sent[0]!.body.samples[0]!.features).toEqual({
      photo: { binary: "base64", bytes: 3000 },
      clip: { binary: "bytes", bytes: 64000 },
      frame: { binary: "pixels", width: 640, height: 480 },
      age: 3,
    });
  });

  it("never throws from record(), even when an event's features throw", () => {
    const t = createTelemetry(base({ sampleRate: 1 }));
    const event = {
      model,
      requestId: "a",
      latencyMs: 1,
      status: 200,
      get features(): Record<string, unknown>[] {
        throw new Error("boom");
      },
    };
    expect(() => t.record(event)).not.toThrow();
    expect(t.stats().lastError).toBe("boom");
  });

  it("refuses bad options early", () => {
    expect(() => createTelemetry(base({ sampleRate: 2 }))).toThrow("sampleRate must be in 0..1, got 2");
    expect(() => createTelemetry(base({ maxBufferedSamples: 0 }))).toThrow("maxBufferedSamples must be a positive integer");
  });
});

describe("flushBeacon", () => {
  it("uses keepalive fetch with the token in a header where keepalive exists", async () => {
    const { fetch, sent } = fakeFetch();
    const t = createTelemetry(base({ fetch, sampleRate: 1 }));
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    expect(t.flushBeacon()).toBe(true);
    await vi.waitFor(() => expect(t.stats().pendingBatches).toBe(0));
    expect(sent[0]).toMatchObject({ keepalive: true, headers: { authorization: "Bearer edgeml_test" } });
  });

  it("falls back to navigator.sendBeacon (token in the query, text/plain body), trimmed to 60 kB", async () => {
    const beacons: { url: string; data: Blob }[] = [];
    vi.stubGlobal("Request", undefined);
    vi.stubGlobal("navigator", {
      sendBeacon: (url: string, data: Blob) => {
        beacons.push({ url, data });
        return true;
      },
    });
    const t = createTelemetry(base({ sampleRate: 1, maxBatchSamples: 1000 }));
    for (let i = 0; i < 400; i++) t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200, features: [{ text: "y".repeat(300) }] });
    expect(t.flushBeacon()).toBe(true);
    expect(beacons).toHaveLength(1);
    expect(beacons[0]!.url).toBe("https://monitor.example/v1/ingest?token=edgeml_test");
    expect(beacons[0]!.data.type).toBe("text/plain;charset=utf-8");
    const text = await beacons[0]!.data.text();
    expect(text.length).toBeLessThanOrEqual(60_000);
    const batch = JSON.parse(text) as { counters: { requests: number; dropped: number }; samples: unknown[] };
    expect(batch.counters.requests).toBe(400);
    expect(batch.samples.length + batch.counters.dropped).toBe(400);
    expect(t.stats()).toMatchObject({ pendingBatches: 0, sentBatches: 1 });
  });

  it("returns false and keeps the batch when no transport exists", () => {
    vi.stubGlobal("Request", undefined);
    vi.stubGlobal("navigator", {});
    const t = createTelemetry(base());
    t.record({ model, requestId: "a", latencyMs: 1, status: 200 });
    expect(t.flushBeacon()).toBe(false);
    expect(t.stats().pendingBatches).toBe(1);
  });
});
