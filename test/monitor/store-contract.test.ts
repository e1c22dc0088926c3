/**
 * The MonitorStore contract (monitor/store/contract.ts), run against every store in ./stores.ts with the same cases:
 * migrations on a fresh database and re-open, ingest idempotency by batchId, acknowledgement after commit, counters,
 * backends per device, profiles, drift/slice reads, several writers on one database (nothing lost, a batch stored once),
 * baselines, labels, alerts and the webhook outbox, tokens, and refusals.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS, TelemetryBatch, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { mergeProfiles } from "../../core/stats/profile.ts";
import { defaultRules } from "../../monitor/alerts/rules.ts";
import { ModelConfig } from "../../monitor/schema/model-config.ts";
import type { MonitorStore } from "../../monitor/store/contract.ts";
import { createToken, sha256Hex, verifyToken } from "../../monitor/tokens.ts";
import { batchAt, makeBatch, makeProfile, TITANIC } from "./helpers.ts";
import { STORES, type StoreFactory, type StoreOptions } from "./stores.ts";

const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);
const ALL = { deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER } as const;
const parse = (b: TelemetryBatchInput) => TelemetryBatch.parse(b);
/** Counters of `n` requests, all in the 2-5 ms bucket. */
const counts = (n: number) => ({
  requests: n,
  errors: {},
  latency: { bounds: [...LATENCY_BUCKETS_MS], counts: LATENCY_BUCKETS_MS.map((_b, i) => (i === 3 ? n : 0)).concat(0), sum: 3 * n },
  dropped: 0,
});

describe.each(STORES)("$name store", (factory: StoreFactory) => {
  const opened: MonitorStore[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  });
  const fresh = async (opts?: StoreOptions) => {
    const handle = await factory.fresh(opts);
    const open = async () => {
      const s = await handle.open();
      opened.push(s);
      return s;
    };
    return { open, store: await open() };
  };

  describe("migrations", () => {
    it("create the schema on a fresh database, and re-open it with everything in place", async () => {
      const { open, store } = await fresh();
      expect(await store.listDeployments()).toEqual([]);
      const { token } = await createToken(store, "prod", MINUTE);
      await store.ingest(parse(batchAt(MINUTE + 30_000, makeProfile(5, 1))), MINUTE + 31_000);
      await store.close();
      for (let restart = 0; restart < 2; restart++) {
        const again = await open();
        expect((await verifyToken(again, token))?.deployment).toBe("prod");
        expect((await again.totals()).rows.map((r) => r.requests)).toEqual([10]);
        expect(await again.profiles({ ...ALL, slices: "overall" })).toHaveLength(1);
        await again.close();
      }
    });
  });

  describe("ingest", () => {
    it("stores a batchId once, also when the same batch arrives twice at once", async () => {
      const { store } = await fresh();
      const batch = parse(makeBatch());
      const results = await Promise.all([store.ingest(batch, MINUTE), store.ingest(batch, MINUTE)]);
      expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
      expect(await store.ingest(batch, MINUTE)).toEqual({ duplicate: true });
      const totals = await store.totals();
      expect(totals.rows.map((r) => r.requests)).toEqual([10]);
      expect(totals.batches).toEqual({ prod: 1 });
      expect(await store.recentSamples({ deployment: "prod", limit: 10 })).toHaveLength(1);
    });

    it("has committed when ingest resolves: another connection reads the batch at once", async () => {
      const { open, store } = await fresh();
      const reader = await open();
      await store.ingest(parse(makeBatch()), MINUTE);
      expect((await reader.totals()).rows.map((r) => r.requests)).toEqual([10]);
    });

    it("adds counters per minute and version, read per window, in totals and per deployment", async () => {
      const { store } = await fresh();
      const errors = (n: number) => ({ bad_request: n });
      const b1 = batchAt(MINUTE + 20_000, undefined, 10);
      b1.counters.errors = errors(2);
      b1.counters.dropped = 3;
      const b2 = batchAt(MINUTE + 40_000, undefined, 5);
      const b3 = { ...batchAt(MINUTE + 70_000, undefined, 7), model: { name: "titanic", version: "2.0.0" } };
      for (const b of [b1, b2, b3]) await store.ingest(parse(b), MINUTE + 100_000);
      const perMinute = await store.windows({ deployment: "prod", from: MINUTE, to: MINUTE + 120_000, stepMs: 60_000 });
      expect(perMinute.map((w) => [w.t - MINUTE, w.version, w.requests, w.errors, w.dropped, w.latencySum, w.errorsByClass])).toEqual([
        [0, "1.0.0", 15, 2, 3, 45, { bad_request: 2 }],
        [60_000, "2.0.0", 7, 0, 0, 21, {}],
      ]);
      expect(perMinute[0]!.latency[3]).toBe(15);
      const twoMinutes = await store.windows({ deployment: "prod", from: MINUTE, to: MINUTE + 120_000, stepMs: 120_000 });
      expect(twoMinutes.map((w) => [w.t - MINUTE, w.version, w.requests])).toEqual([
        [0, "1.0.0", 15],
        [0, "2.0.0", 7],
      ]);
      const totals = await store.totals();
      expect(totals.rows.map((r) => [r.version, r.requests, r.errorsByClass])).toEqual([
        ["1.0.0", 15, { bad_request: 2 }],
        ["2.0.0", 7, {}],
      ]);
      expect(totals.dropped).toEqual({ prod: 3 });
      const [prod] = await store.listDeployments();
      expect(prod).toMatchObject({ name: "prod", target: "worker", lastSeen: MINUTE + 100_000, dropped: 3, lastRefusal: null });
      expect(prod!.versions.map((v) => [v.version, v.requests, v.errors])).toEqual([
        ["1.0.0", 15, 2],
        ["2.0.0", 7, 0],
      ]);
    });

    it("keeps sampled rows, newest first", async () => {
      const { store } = await fresh();
      const first = makeBatch();
      const second = makeBatch({ samples: [{ ts: MINUTE, requestId: "req-2", index: 1, latencyMs: 2, status: 400, error: "bad_request" }] });
      for (const b of [first, second]) await store.ingest(parse(b), MINUTE);
      const rows = await store.recentSamples({ deployment: "prod", limit: 10 });
      expect(rows.map((r) => [r.requestId, r.index, r.status, r.error, r.batchId])).toEqual([
        ["req-2", 1, 400, "bad_request", second.batchId],
        ["req-1", null, 200, null, first.batchId],
      ]);
      expect(rows[1]).toMatchObject({ deployment: "prod", model: "titanic", features: { age: 22, sex: "male" }, prediction: { label: 0, score: 0.12 } });
    });
  });

  describe("backends", () => {
    it("add requests per device and minute, keep the last engine and reason per device, and count a resent batch once", async () => {
      const { store } = await fresh();
      const wasm = parse(makeBatch({ counters: counts(3), backend: { device: "wasm", engine: "ort-wasm", reason: "no WebGPU adapter; using WASM" } }));
      await store.ingest(wasm, MINUTE);
      await store.ingest(wasm, MINUTE); // duplicate: nothing added
      await store.ingest(parse(makeBatch({ counters: counts(5), backend: { device: "webgpu" } })), MINUTE + 1);
      await store.ingest(parse(makeBatch({ counters: counts(2), backend: { device: "wasm" } })), MINUTE + 2); // no reason: the last stays
      await store.ingest(parse(makeBatch({ counters: counts(4) })), MINUTE + 3); // an older client: no device
      // Most requests first; a tie by device name.
      expect(await store.backends({ deployment: "prod", from: 0, to: Number.MAX_SAFE_INTEGER })).toEqual([
        { model: "titanic", version: "1.0.0", device: "wasm", requests: 5, engine: "ort-wasm", reason: "no WebGPU adapter; using WASM", lastSeen: MINUTE + 2 },
        { model: "titanic", version: "1.0.0", device: "webgpu", requests: 5, engine: null, reason: null, lastSeen: MINUTE + 1 },
      ]);
      expect(await store.backends({ deployment: "other", from: 0, to: Number.MAX_SAFE_INTEGER })).toEqual([]);
      // Counted in the minute of the batch (received at MINUTE): a range after it has none.
      expect(await store.backends({ deployment: "prod", from: MINUTE + 60_000, to: Number.MAX_SAFE_INTEGER })).toEqual([]);
      expect((await store.totals()).backends).toEqual([
        { deployment: "prod", model: "titanic", version: "1.0.0", device: "wasm", requests: 5 },
        { deployment: "prod", model: "titanic", version: "1.0.0", device: "webgpu", requests: 5 },
      ]);
    });
  });

  describe("profiles", () => {
    it("are added per bucket, overall and per slice value; reads filter by slice; a resent batch adds nothing", async () => {
      const { store } = await fresh();
      const [a, b, c] = [makeProfile(40, 1), makeProfile(25, 2), makeProfile(30, 3)];
      const first = parse(batchAt(MINUTE + 10_000, a));
      for (const batch of [first, parse(batchAt(MINUTE + 50_000, b)), parse(batchAt(MINUTE + 70_000, c)), first]) await store.ingest(batch, MINUTE + 3_600_000);
      const rows = await store.profiles({ ...ALL, slices: "all" });
      const key = (r: { bucket: number; sliceKey: string; sliceValue: string }) => `${r.bucket - MINUTE}/${r.sliceKey}=${r.sliceValue}`;
      expect(rows.map(key).sort()).toEqual(["0/=", "0/sex=female", "0/sex=male", "60000/=", "60000/sex=female", "60000/sex=male"]);
      const overall0 = rows.find((r) => key(r) === "0/=")!;
      expect(overall0.rows).toBe(65);
      expect(overall0.profile).toEqual(mergeProfiles(a.overall, b.overall));
      expect(rows.find((r) => key(r) === "0/sex=male")!.profile).toEqual(mergeProfiles(a.bySlice["sex"]!["male"]!, b.bySlice["sex"]!["male"]!));
      expect(rows.find((r) => key(r) === "60000/=")!.profile).toEqual(c.overall);
      // Drift reads the overall rows; a slice's drift reads the overall rows and that slice's.
      expect((await store.profiles({ ...ALL, slices: "overall" })).map(key).sort()).toEqual(["0/=", "60000/="]);
      expect((await store.profiles({ ...ALL, slices: { key: "sex" } })).map(key)).toHaveLength(6);
      expect((await store.profiles({ ...ALL, from: MINUTE + 60_000, slices: "overall" })).map(key)).toEqual(["60000/="]);
      expect(await store.profileSeries("prod")).toEqual([{ model: "titanic", version: "1.0.0", firstBucket: MINUTE, lastBucket: MINUTE + 60_000 }]);
    });

    it("are bucketed by the configured length (e.g. 5 s for demos and tests)", async () => {
      const { store } = await fresh({ profileBucketMs: 5000 });
      expect(store.profileBucketMs).toBe(5000);
      await store.ingest(parse(batchAt(MINUTE + 12_345, makeProfile(3, 1))), MINUTE + 20_000);
      expect((await store.profiles({ ...ALL, slices: "overall" })).map((r) => r.bucket - MINUTE)).toEqual([10_000]);
    });

    it("keep adding up across a restart", async () => {
      const { open, store } = await fresh();
      const [a, b] = [makeProfile(10, 1), makeProfile(20, 2)];
      await store.ingest(parse(batchAt(MINUTE + 1000, a)), MINUTE + 2000);
      await store.close();
      const again = await open();
      await again.ingest(parse(batchAt(MINUTE + 3000, b)), MINUTE + 4000);
      const [row] = await again.profiles({ ...ALL, slices: "overall" });
      expect(row!.profile).toEqual(mergeProfiles(a.overall, b.overall));
    });
  });

  describe("several writers on one database (two monitor processes, many Worker isolates)", () => {
    /** Float sums add in another order on another writer: compare them to 1e-9, everything else exactly. */
    const rounded = (p: unknown): unknown =>
      JSON.parse(JSON.stringify(p), (k, v: unknown) => ((k === "sum" || k === "sumSq") && typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v));

    it("lose nothing: interleaved batches with overlapping profile buckets give exact totals and merged profiles", async () => {
      const { open, store: a } = await fresh();
      const b = await open();
      // 12 batches over two buckets; slices overlap (both sexes in every batch), both writers hit every bucket.
      const profiles = Array.from({ length: 12 }, (_, i) => makeProfile(5 + i, i + 1));
      const batches = profiles.map((p, i) => parse(batchAt(MINUTE + (i % 2) * 60_000 + 1000 + i, p, 3 + i)));
      await Promise.all(batches.map((batch, i) => (i % 3 === 0 ? a : b).ingest(batch, MINUTE + 120_000)));
      for (const reader of [a, b]) {
        expect((await reader.totals()).rows.map((r) => r.requests)).toEqual([batches.reduce((n, x) => n + x.counters.requests, 0)]);
        expect((await reader.totals()).batches).toEqual({ prod: 12 });
        expect(await reader.recentSamples({ deployment: "prod", limit: 100 })).toHaveLength(12);
        const rows = await reader.profiles({ ...ALL, slices: "all" });
        for (const bucket of [0, 1]) {
          const mine = profiles.filter((_p, i) => i % 2 === bucket);
          const overall = rows.find((r) => r.bucket === MINUTE + bucket * 60_000 && r.sliceKey === "")!;
          expect(overall.rows).toBe(mine.reduce((n, p) => n + p.overall.rows, 0));
          expect(rounded(overall.profile)).toEqual(rounded(mine.map((p) => p.overall).reduce(mergeProfiles)));
          const male = rows.find((r) => r.bucket === MINUTE + bucket * 60_000 && r.sliceValue === "male")!;
          expect(rounded(male.profile)).toEqual(rounded(mine.flatMap((p) => p.bySlice["sex"]?.["male"] ?? []).reduce(mergeProfiles)));
        }
      }
    });

    it("store a batch once when it arrives at both at once", async () => {
      const { open, store: a } = await fresh();
      const b = await open();
      for (let round = 0; round < 3; round++) {
        const batch = parse(batchAt(MINUTE + 1000 + round, makeProfile(8, round + 1), 10));
        const results = await Promise.all([a.ingest(batch, MINUTE + 2000), b.ingest(batch, MINUTE + 2000)]);
        expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
      }
      const totals = await b.totals();
      expect(totals.rows.map((r) => r.requests)).toEqual([30]);
      expect(totals.batches).toEqual({ prod: 3 });
      expect(await a.recentSamples({ deployment: "prod", limit: 10 })).toHaveLength(3);
      const [row] = await a.profiles({ ...ALL, slices: "overall" });
      expect(row!.rows).toBe(24);
    });

    it("give a lease to one holder at a time: renewed by its holder, taken by another once it lapsed", async () => {
      const { open, store: a } = await fresh();
      const b = await open();
      const [first, second] = await Promise.all([a.acquireLease("alerts", "A", 1000, 5000), b.acquireLease("alerts", "B", 1000, 5000)]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      const [holder, other] = first ? (["A", "B"] as const) : (["B", "A"] as const);
      expect(await b.acquireLease("alerts", other, 5999, 5000)).toBe(false);
      expect(await a.acquireLease("alerts", holder, 5999, 5000)).toBe(true); // renewed until 10999
      expect(await b.acquireLease("alerts", other, 10_998, 5000)).toBe(false);
      expect(await b.acquireLease("compaction", other, 10_998, 5000)).toBe(true); // another lease, another holder
      expect(await a.acquireLease("alerts", other, 10_999, 5000)).toBe(true); // lapsed: taken over
      expect(await b.acquireLease("alerts", holder, 11_000, 5000)).toBe(false);
    });
  });

  describe("baselines and labels", () => {
    it("keep one registration per version, newest first", async () => {
      const { store } = await fresh();
      const config = ModelConfig.parse({ task: "binary", positiveLabel: "yes" });
      const record = { deployment: "prod", model: "titanic", baseline: TITANIC.baseline!, config };
      await store.putBaseline({ ...record, version: "1.0.0", registeredAt: 1 });
      await store.putBaseline({ ...record, version: "2.0.0", registeredAt: 2 });
      await store.putBaseline({ ...record, version: "1.0.0", registeredAt: 3, config: { ...config, threshold: 0.7 } });
      expect((await store.baselines("prod")).map((b) => [b.version, b.registeredAt])).toEqual([
        ["1.0.0", 3],
        ["2.0.0", 2],
      ]);
      expect((await store.baseline("prod", "titanic", "1.0.0"))?.config.threshold).toBe(0.7);
      expect(await store.baseline("prod", "titanic", "9.9.9")).toBeUndefined();
      expect(await store.baselines("other")).toEqual([]);
    });

    it("join labels with sampled rows by request id, whichever arrives first; a label sent again replaces it", async () => {
      const { store } = await fresh();
      await createToken(store, "prod", MINUTE);
      expect(await store.putLabels("prod", [{ requestId: "early", index: 0, label: "yes" }], MINUTE)).toEqual({ stored: 1, matched: 0 });
      const batch = makeBatch({
        samples: [
          { ts: MINUTE + 1000, requestId: "early", latencyMs: 1, status: 200, prediction: { label: "yes", score: 0.9 } },
          { ts: MINUTE + 2000, requestId: "late", latencyMs: 1, status: 200, prediction: { label: "no", score: 0.2 } },
        ],
      });
      await store.ingest(parse(batch), MINUTE + 3000);
      expect(await store.putLabels("prod", [{ requestId: "late", index: 0, label: "yes" }], MINUTE + 4000)).toEqual({ stored: 1, matched: 1 });
      await store.putLabels("prod", [{ requestId: "late", index: 0, label: "no" }], MINUTE + 5000);
      const joined = await store.labeledSamples({ deployment: "prod", from: MINUTE, to: MINUTE + 60_000 });
      expect(joined.map((r) => [r.requestId, r.label, (r.prediction as { label: string }).label])).toEqual([
        ["early", "yes", "yes"],
        ["late", "no", "no"],
      ]);
      expect(await store.labeledSamples({ deployment: "other", from: MINUTE, to: MINUTE + 60_000 })).toEqual([]);
    });
  });

  describe("alerts and the webhook outbox", () => {
    it("store rules: put replaces, insert-if-absent never does, delete removes", async () => {
      const { store } = await fresh();
      const rules = defaultRules("prod", "binary", MINUTE);
      for (const r of rules) expect(await store.insertRuleIfAbsent(r)).toBe(true);
      expect(await store.insertRuleIfAbsent({ ...rules[0]!, name: "changed" })).toBe(false);
      const edited = { ...rules[1]!, enabled: false, webhook: "https://hooks.example/x", updatedAt: MINUTE + 1 };
      await store.putRule(edited);
      expect(await store.getRule(edited.id)).toEqual(edited);
      expect((await store.listRules("prod")).map((r) => r.id).sort()).toEqual(rules.map((r) => r.id).sort());
      expect(await store.listRules("other")).toEqual([]);
      expect(await store.deleteRule(rules[0]!.id)).toBe(true);
      expect(await store.deleteRule(rules[0]!.id)).toBe(false);
      expect(await store.getRule(rules[0]!.id)).toBeUndefined();
    });

    it("open, resolve and list events, newest first", async () => {
      const { store } = await fresh();
      const event = {
        ruleId: "r1",
        deployment: "prod",
        kind: "error_rate",
        subject: "overall",
        model: "titanic",
        version: "1.0.0",
        value: 0.2,
        threshold: 0.05,
      };
      const a = await store.insertEvent({ ...event, openedAt: MINUTE, message: "errors 20%", details: { requests: 100 } });
      const b = await store.insertEvent({ ...event, ruleId: "r2", openedAt: MINUTE + 1, message: "again", details: {} });
      expect(a).toMatchObject({ state: "open", resolvedAt: null, details: { requests: 100 } });
      expect((await store.openEvents("r1")).map((e) => e.id)).toEqual([a.id]);
      expect(await store.resolveEvent(a.id, MINUTE + 5, "resolved: errors 1%")).toMatchObject({
        state: "resolved",
        resolvedAt: MINUTE + 5,
        message: "resolved: errors 1%",
      });
      expect(await store.resolveEvent(a.id, MINUTE + 6)).toBeUndefined(); // already resolved
      expect((await store.listEvents({ deployment: "prod", limit: 10 })).map((e) => e.id)).toEqual([b.id, a.id]);
      expect((await store.listEvents({ state: "open", limit: 10 })).map((e) => e.id)).toEqual([b.id]);
    });

    it("queue deliveries, hand out the due ones, and log every attempt", async () => {
      const { store } = await fresh();
      const d = { eventId: 1, ruleId: "r1", url: "https://hooks.example/x", type: "alert.opened" as const, payload: '{"x":1}' };
      const id = await store.enqueueDelivery({ ...d, at: MINUTE });
      expect((await store.dueDeliveries(MINUTE, 10)).map((x) => [x.id, x.status, x.attempts])).toEqual([[id, "pending", 0]]);
      await store.recordAttempt(
        id,
        { attempt: 1, at: MINUTE, status: 500, error: null, durationMs: 3 },
        { status: "pending", nextAttemptAt: MINUTE + 1000, deliveredAt: null },
      );
      expect(await store.dueDeliveries(MINUTE + 999, 10)).toEqual([]);
      expect(await store.dueDeliveries(MINUTE + 1000, 10)).toHaveLength(1);
      await store.recordAttempt(
        id,
        { attempt: 2, at: MINUTE + 1000, status: 200, error: null, durationMs: 2 },
        { status: "delivered", nextAttemptAt: MINUTE + 1000, deliveredAt: MINUTE + 1002 },
      );
      expect(await store.dueDeliveries(MINUTE + 10_000, 10)).toEqual([]);
      const [delivery] = await store.listDeliveries({ eventId: 1, limit: 10 });
      expect(delivery).toMatchObject({ status: "delivered", attempts: 2, lastStatus: 200, deliveredAt: MINUTE + 1002, payload: '{"x":1}' });
      expect(delivery!.log.map((a) => [a.attempt, a.status])).toEqual([
        [1, 500],
        [2, 200],
      ]);
    });
  });

  describe("tokens", () => {
    it("are found by the SHA-256 of the plaintext, listed, and revoked by id or by deployment", async () => {
      const { store } = await fresh();
      const a = await createToken(store, "prod", 1);
      const b = await createToken(store, "prod", 2);
      const c = await createToken(store, "staging", 3);
      expect(await store.tokenByHash(await sha256Hex(a.token))).toEqual({ id: a.id, deployment: "prod", prefix: a.prefix, createdAt: 1, revokedAt: null });
      expect(await store.tokenByHash(await sha256Hex("edgeml_unknown"))).toBeUndefined();
      expect((await store.listTokens()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
      expect(await store.revokeTokens(a.id, 10)).toBe(1);
      expect(await store.revokeTokens("prod", 11)).toBe(1); // only b is still active
      expect(await store.revokeTokens("prod", 12)).toBe(0);
      expect((await store.listTokens()).map((t) => t.revokedAt)).toEqual([10, 11, null]);
      expect(await verifyToken(store, a.token)).toBeUndefined();
      expect((await verifyToken(store, c.token))?.deployment).toBe("staging");
      expect((await store.listDeployments()).map((d) => [d.name, d.activeTokens])).toEqual([
        ["prod", 0],
        ["staging", 1],
      ]);
    });
  });

  describe("refusals", () => {
    it("keep the last refusal per deployment, before the deployment exists and across a restart", async () => {
      const { open, store } = await fresh();
      const refusal = { at: MINUTE, status: 403, code: "FORBIDDEN", reason: 'token is for deployment "prod", batch says "staging"', tokenId: "tok_1" };
      await store.recordRefusal({ deployment: "staging", ...refusal });
      await store.recordRefusal({ deployment: "prod", ...refusal });
      await store.recordRefusal({ deployment: "prod", ...refusal, at: MINUTE + 1, status: 401, code: "UNAUTHORIZED", reason: "revoked", tokenId: null });
      await createToken(store, "prod", MINUTE);
      expect((await store.listDeployments()).map((d) => [d.name, d.lastRefusal])).toEqual([
        ["prod", { at: MINUTE + 1, status: 401, code: "UNAUTHORIZED", reason: "revoked", tokenId: null }],
      ]);
      await store.close();
      const again = await open();
      await createToken(again, "staging", MINUTE);
      expect(Object.fromEntries((await again.listDeployments()).map((d) => [d.name, d.lastRefusal?.status]))).toEqual({ prod: 401, staging: 403 });
    });
  });
});
