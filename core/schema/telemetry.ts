/**
 * The telemetry batch: what an edge function sends to the monitor (`POST /v1/ingest`), one batch per model version
 * per window. Counters are exact over every request; the profile counts every served instance and prediction in the
 * baseline's bins, overall and per slice value (mergeable by addition); samples are a bounded, sampled subset (errors
 * always sampled). The monitor validates with `parseTelemetryBatch` (./telemetry-fast.ts), which gives this schema's
 * verdict faster.
 *
 * @example
 * ```ts
 * import { TelemetryBatch } from "./telemetry.ts";
 * const result = TelemetryBatch.safeParse(JSON.parse(body)); // result.error.issues names every bad field
 * ```
 */
import * as z from "zod";
import { Profile } from "../stats/profile-schema.ts";
import { AGE_BUCKETS_MS, ARMS, ERROR_CLASSES, LATENCY_BUCKETS_MS, ROLLOUT_MODES, TARGETS, TELEMETRY_LIMITS, TELEMETRY_VERSION } from "./telemetry-constants.ts";
export {
  TELEMETRY_VERSION,
  LATENCY_BUCKETS_MS,
  AGE_BUCKETS_MS,
  ERROR_CLASSES,
  TARGETS,
  TELEMETRY_LIMITS,
  SLICE_OTHER,
  SLICE_MISSING,
} from "./telemetry-constants.ts";
export type { ErrorClass, Target } from "./telemetry-constants.ts";

const L = TELEMETRY_LIMITS;

/** A deployment or model name: what the monitor keys its rows by and prints in Prometheus labels. */
export const TelemetryName = z
  .string()
  .min(1)
  .max(L.maxName)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, "letters, digits and . _ : @ - only");
const name = TelemetryName;
const epochMs = z.int().min(0).max(8_640_000_000_000_000);
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const ms = z.number().min(0).max(3_600_000);

const maxKeys = (max: number) => (r: Record<string, unknown>) => Object.keys(r).length <= max;

const LatencyHistogram = z.strictObject({
  bounds: z
    .array(z.number())
    .refine(
      (b) => b.length === LATENCY_BUCKETS_MS.length && b.every((x, i) => x === LATENCY_BUCKETS_MS[i]),
      `expected the v1 buckets [${LATENCY_BUCKETS_MS.join(", ")}]`,
    ),
  counts: z.array(count).length(LATENCY_BUCKETS_MS.length + 1, `expected ${LATENCY_BUCKETS_MS.length + 1} counts (bounds + overflow)`),
  /** Exact sum of the latencies (ms): gives the mean and Prometheus `_sum`, which buckets alone cannot. */
  sum: z.number().min(0).max(Number.MAX_SAFE_INTEGER),
});

const Counters = z
  .strictObject({
    requests: count,
    errors: z.partialRecord(z.enum(ERROR_CLASSES), count),
    latency: LatencyHistogram,
    /** Samples the client could not keep (buffer full, or trimmed to fit) since its previous batch. */
    dropped: count,
  })
  .superRefine((c, ctx) => {
    // Cross-field checks only once the fields themselves are valid, so one bad field reports one issue.
    const valid = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    if (!valid(c.requests) || !Object.values(c.errors).every(valid) || !c.latency.counts.every(valid)) return;
    const errors = Object.values(c.errors).reduce<number>((a, n) => a + (n ?? 0), 0);
    if (errors > c.requests) ctx.addIssue({ code: "custom", path: ["errors"], message: `${errors} errors but only ${c.requests} requests` });
    const timed = c.latency.counts.reduce((a, n) => a + n, 0);
    if (timed !== c.requests)
      ctx.addIssue({ code: "custom", path: ["latency", "counts"], message: `counts add up to ${timed}, expected requests = ${c.requests}` });
  });

export const Sample = z.strictObject({
  ts: epochMs,
  requestId: z.string().min(1).max(L.maxId),
  /** Position of the instance in its request, when the request carried several. */
  index: z.int().min(0).max(100_000).optional(),
  features: z.record(z.string().max(L.maxName), z.unknown()).refine(maxKeys(L.maxFeatureKeys), `at most ${L.maxFeatureKeys} features`).optional(),
  prediction: z.unknown().optional(),
  latencyMs: ms,
  status: z.int().min(100).max(599),
  error: z.string().max(L.maxError).optional(),
  slices: z.record(z.string().min(1).max(L.maxName), z.string().max(L.maxSliceValue)).refine(maxKeys(L.maxSlices), `at most ${L.maxSlices} slices`).optional(),
});
export type Sample = z.output<typeof Sample>;

/**
 * Profiles of every served instance in the batch's window: overall, and per value of each slice feature
 * (`bySlice.sex.male`). Each is a `Profile` in the baseline's bins, so batches add up bucket by bucket on the monitor.
 */
export const BatchProfile = z.strictObject({
  overall: Profile,
  bySlice: z
    .record(
      z.string().min(1).max(L.maxName),
      z.record(z.string().max(L.maxSliceValue), Profile).refine(maxKeys(L.maxSliceValues), `at most ${L.maxSliceValues} values per slice`),
    )
    .refine(maxKeys(L.maxProfileSlices), `at most ${L.maxProfileSlices} slice features`),
});
export type BatchProfile = z.output<typeof BatchProfile>;

/** A short lowercase token (a Prometheus label value and a monitor row key): "wasm", "webgpu", "ort-wasm", "tfjs-cpu". */
const backendToken = z
  .string()
  .min(1)
  .max(L.maxDevice)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits and . _ - only");

/** What ran the model in the batch's window (see TelemetryBackend in ./telemetry-constants.ts). */
const Backend = z.strictObject({
  device: backendToken,
  engine: backendToken.optional(),
  reason: z.string().max(L.maxReason).optional(),
});

/** Finite and not negative (zod refuses Infinity): a sum of ages may pass 2^53 ms without being wrong. */
const sum = z.number().min(0);
const total = (counts: readonly number[]) => counts.reduce((a, n) => a + n, 0);

/** Ages (ms) of the looked-up values a view served: counts in AGE_BUCKETS_MS (+ older), their exact sum and the oldest. */
const AgeHistogram = z.strictObject({
  bounds: z
    .array(z.number())
    .refine(
      (b) => b.length === AGE_BUCKETS_MS.length && b.every((x, i) => x === AGE_BUCKETS_MS[i]),
      `expected the v1 age buckets [${AGE_BUCKETS_MS.join(", ")}]`,
    ),
  counts: z.array(count).length(AGE_BUCKETS_MS.length + 1, `expected ${AGE_BUCKETS_MS.length + 1} counts (bounds + older)`),
  sum,
  /** The oldest value served (0 when none was). */
  max: sum,
});

/**
 * One feature view's lookups in the batch's window (issue 16): requests that read it, keys asked for, misses (of
 * which `expired`: a record past the view's ttl), the store read's wall time per request, and the age of every value
 * served (hit). Mergeable by addition (max by max).
 */
const ViewLookups = z
  .strictObject({
    requests: count,
    keys: count,
    misses: count,
    expired: count,
    latency: LatencyHistogram,
    age: AgeHistogram,
  })
  .superRefine((v, ctx) => {
    // Cross-field checks only once the fields are valid, so one bad field reports one issue.
    const valid = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    if (![v.requests, v.keys, v.misses, v.expired, ...v.latency.counts, ...v.age.counts].every(valid)) return;
    if (v.misses > v.keys) ctx.addIssue({ code: "custom", path: ["misses"], message: `${v.misses} misses but only ${v.keys} keys` });
    else if (v.expired > v.misses) ctx.addIssue({ code: "custom", path: ["expired"], message: `${v.expired} expired but only ${v.misses} misses` });
    else if (total(v.age.counts) > v.keys - v.misses)
      ctx.addIssue({
        code: "custom",
        path: ["age", "counts"],
        message: `counts add up to ${total(v.age.counts)}, more than the ${v.keys - v.misses} hits (keys - misses)`,
      });
    if (total(v.latency.counts) !== v.requests)
      ctx.addIssue({ code: "custom", path: ["latency", "counts"], message: `counts add up to ${total(v.latency.counts)}, expected requests = ${v.requests}` });
  });

/** A feature view's name, as `edge-ml.config.ts` allows it (core/feature-views.ts): also a monitor row key. */
const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Per feature view read in the window, by view name (at most `maxLookupViews`). */
const BatchLookups = z.record(z.string(), ViewLookups).superRefine((views, ctx) => {
  const names = Object.keys(views);
  if (names.length > L.maxLookupViews) ctx.addIssue({ code: "custom", path: [], message: `${names.length} views; at most ${L.maxLookupViews} per batch` });
  // Checked here rather than as the record's key schema, whose issue would only say "Invalid key in record".
  for (const name of names) {
    if (name.length > L.maxName || !VIEW_NAME.test(name))
      ctx.addIssue({ code: "custom", path: [name], message: `a view name is 1-${L.maxName} letters, digits and '_', not starting with a digit` });
  }
});

/** The batch's arm in a champion-vs-challenger build (see TelemetryRollout in ./telemetry-constants.ts). */
const Rollout = z.strictObject({ arm: z.enum(ARMS), mode: z.enum(ROLLOUT_MODES).optional() });

export const TelemetryBatch = z
  .strictObject({
    v: z.literal(TELEMETRY_VERSION),
    batchId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "8-64 characters of A-Z a-z 0-9 _ - (a uuid fits)"),
    deployment: name,
    target: z.enum(TARGETS),
    model: z.strictObject({ name, version: z.string().min(1).max(64) }),
    window: z.strictObject({ start: epochMs, end: epochMs }),
    counters: Counters,
    /** Per-feature and prediction profiles of every instance served in the window (mergeable by addition). */
    profile: BatchProfile.optional(),
    /** The device (and engine, and why) that served the window; optional so older clients keep validating. */
    backend: Backend.optional(),
    /** Builds with a challenger: which arm this version is, and the rollout's mode; optional so older clients validate. */
    rollout: Rollout.optional(),
    /** Models with looked-up features (issue 16): per view, lookups, misses, latency and value age; optional in v1. */
    lookups: BatchLookups.optional(),
    samples: z.array(Sample).max(L.maxSamples),
  })
  .superRefine((b, ctx) => {
    if (b.window.end < b.window.start) ctx.addIssue({ code: "custom", path: ["window", "end"], message: "window.end is before window.start" });
    else if (b.window.end - b.window.start > L.maxWindowMs) ctx.addIssue({ code: "custom", path: ["window"], message: "window is longer than 31 days" });
  });
export type TelemetryBatch = z.output<typeof TelemetryBatch>;
/** What a client writes (same as the output: the batch has no defaults). */
export type TelemetryBatchInput = z.input<typeof TelemetryBatch>;
