/**
 * Connects the edge app's per-request events to the telemetry client, on any target.
 *
 * Counters are flushed when the client says so (size or age) and, so that the last requests before a quiet spell
 * are not held back until the next request, by one delayed flush scheduled after activity. On Workers `schedule` is
 * `ctx.waitUntil` (the isolate stays alive for it after the response); elsewhere a plain floating promise.
 *
 * A model with date_part steps whose baseline counts the numbers they derive (month, weekday, ...) has them profiled
 * like features: each served instance gets them (core/derived-columns.ts) when the client first reads the event's
 * features, in its drain() after the response, not in the request. Models without them record exactly as before.
 * A request's feature lookups (`event.lookup`, issue 16) go along: the client adds them up per view and window.
 *
 * @example
 * ```ts
 * const onRequest = createTelemetryHook(telemetry, manifest, { flushDelayMs: 5000 });
 * createDeployment({ ..., onRequest });
 * ```
 */
import type { Context } from "hono";
import { createDerivedColumns } from "../core/derived-columns.ts";
import type { Manifest } from "../core/schema/manifest.ts";
import type { RequestEvent } from "./app.ts";
import type { Telemetry } from "./telemetry/index.ts";
import type { TelemetryEvent } from "./telemetry/types.ts";

export interface TelemetryHookOptions {
  /** Delay of the flush scheduled after activity (default 5 s). */
  flushDelayMs?: number;
  /** Keep a promise running after the response (Workers: ctx.waitUntil). */
  schedule?: (c: Context, work: Promise<unknown>) => void;
}

export function createTelemetryHook(telemetry: Telemetry, manifest: Manifest, opts: TelemetryHookOptions = {}) {
  const model = { name: manifest.name, version: manifest.version };
  const delay = opts.flushDelayMs ?? 5000;
  const schedule = opts.schedule ?? ((_c, work) => void work);
  let delayedFlush = false;
  let recorded = 0; // requests recorded so far; tells whether anything arrived during a flush
  // One delayed flush at a time; it re-arms itself while anything is still unsent (e.g. the monitor was down),
  // so the last requests before a quiet spell still arrive once the monitor is back.
  const scheduleDelayed = (c: Context) => {
    delayedFlush = true;
    let seen = 0;
    const later = new Promise<void>((resolve) => setTimeout(resolve, delay))
      .then(() => {
        seen = recorded;
        return telemetry.flush();
      })
      .then(() => {
        const s = telemetry.stats();
        if (s.pendingBatches > 0 || recorded !== seen) scheduleDelayed(c);
        else delayedFlush = false;
      });
    schedule(c, later);
  };
  // The accounting of recorded requests runs on the next turn of the event loop, after the response has been handed
  // back (kept alive by `schedule`, i.e. ctx.waitUntil on Workers), and so does the size-triggered flush.
  let draining = false;
  const scheduleDrain = (c: Context) => {
    draining = true;
    const work = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      draining = false;
      telemetry.drain();
      if (telemetry.shouldFlush()) return telemetry.flush();
    });
    schedule(c, work);
  };
  const derive = derivedColumns(manifest);
  return (event: RequestEvent, c: Context): void => {
    recorded++;
    if (derive !== undefined) telemetry.record(withDerived(model, event, manifest.slices, derive));
    else
      telemetry.record({
        model,
        requestId: event.requestId,
        latencyMs: event.latencyMs,
        status: event.status,
        errorClass: event.errorClass,
        features: event.instances,
        predictions: event.predictions,
        slices: sliceValues(manifest.slices, event.instances),
        lookup: event.lookup,
      });
    if (!draining) scheduleDrain(c);
    if (!delayedFlush) scheduleDelayed(c);
  };
}

type Derive = (instance: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** The derivation of the date columns the baseline profiles; undefined when there are none (no work per request). */
function derivedColumns(manifest: Manifest): Derive | undefined {
  const baseline = manifest.baseline;
  if (baseline === undefined || !manifest.preprocessing?.steps.some((s) => s.op === "date_part")) return undefined;
  try {
    const d = createDerivedColumns(manifest.preprocessing, manifest.features);
    return d.columns.some((c) => Object.hasOwn(baseline.features, c.name)) ? d.derive : undefined;
  } catch {
    // An unknown time zone: the preprocessor refuses those requests itself; telemetry must not fail the app.
    return undefined;
  }
}

/**
 * The event with its served instances extended by their derived columns, computed on first read (the client's drain,
 * after the response) and once for profiles and samples together. Failed requests keep the instances as sent: they
 * are not profiled, and their samples show what was wrong.
 */
function withDerived(model: TelemetryEvent["model"], event: RequestEvent, slices: readonly string[], derive: Derive): TelemetryEvent {
  const instances = event.instances;
  const served = event.errorClass === undefined && event.status < 400;
  let features = served ? undefined : instances;
  return {
    model,
    requestId: event.requestId,
    latencyMs: event.latencyMs,
    status: event.status,
    errorClass: event.errorClass,
    get features() {
      if (features === undefined && instances !== undefined) features = instances.map(derive);
      return features;
    },
    predictions: event.predictions,
    slices: sliceValues(slices, instances),
    lookup: event.lookup,
  };
}

/** Slice values of a request, for its samples: from its first instance (profiles slice every instance by its own values). */
export function sliceValues(slices: readonly string[], instances: readonly Record<string, unknown>[] | undefined): Record<string, string> | undefined {
  const first = instances?.[0];
  if (!first || slices.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const s of slices) {
    const v = first[s];
    out[s] = v === null || v === undefined ? "__missing__" : String(v);
  }
  return out;
}

/** Telemetry settings from Worker/Deno env vars; null when no monitor is configured. */
export function telemetryConfigFromEnv(env: Record<string, unknown> | undefined, fallbackDeployment: string) {
  const str = (k: string) => (typeof env?.[k] === "string" && env[k] !== "" ? (env[k] as string) : undefined);
  const endpoint = str("EDGE_ML_MONITOR_URL");
  const token = str("EDGE_ML_MONITOR_TOKEN");
  if (!endpoint || !token) return null;
  const rate = Number(str("EDGE_ML_SAMPLE_RATE") ?? "0.01");
  const flushMs = Number(str("EDGE_ML_FLUSH_INTERVAL_MS") ?? "10000");
  return {
    endpoint,
    token,
    deployment: str("EDGE_ML_DEPLOYMENT") ?? fallbackDeployment,
    sampleRate: Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : 0.01,
    flushIntervalMs: Number.isFinite(flushMs) && flushMs > 0 ? flushMs : 10_000,
    redact: (str("EDGE_ML_REDACT") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
