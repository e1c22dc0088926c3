/**
 * The one adapter every target's entry (targets/<name>/runtime.ts) goes through, so that every target serves the same
 * app and sends the same telemetry: settings and the monitor come from the same env vars everywhere, and the
 * telemetry client always gets the manifest's baseline and slices (profiles and slices in every batch, on every
 * target). A target supplies only what differs: the engine, how the model bytes arrive, its env, and how work is kept
 * alive after a response (Workers: `ctx.waitUntil`). In a build with a challenger (runtime/rollout-app.ts) each version
 * gets its own runtime from here, and its batches name its arm and the rollout's mode, taken from its request events.
 * A version deployed alone as one side of a platform split (`deploy --gradual`: two Worker versions) names its arm with
 * the EDGE_ML_ROLLOUT_ARM var instead, so the monitor can compare the two the same way.
 *
 * @example
 * ```ts
 * const edge = createEdgeRuntime({ manifest, engine, modelBytes, target: "deno" });
 * edge.configure(Deno.env.toObject()); // Workers: on the first request, from c.env
 * Deno.serve((request) => edge.app.fetch(request));
 * ```
 */
import type { Context, Hono } from "hono";
import type { Manifest } from "../core/schema/manifest.ts";
import type { Target, TelemetryBackend, TelemetryRollout } from "../core/schema/telemetry-constants.ts";
import type { RequestEvent } from "./arms.ts";
import { createDeployment } from "./deployment.ts";
import { createDeferredReader, type FeatureReaderFactory, looksUp } from "./features/serving.ts";
import type { LookupPlan } from "./features/types.ts";
import type { Engine } from "./engines/types.ts";
import type { Predictor } from "./predictor.ts";
import { type EdgeSettings, type EdgeSettingsInput, resolveEdgeSettings } from "./settings.ts";
import { backendOfEngine, createTelemetry, type Telemetry, type TelemetryOptions } from "./telemetry/index.ts";
import { createTelemetryHook, telemetryConfigFromEnv, type TelemetryHookOptions } from "./telemetry-hook.ts";

/** Telemetry given in code (the browser has no env), as opposed to EDGE_ML_* env vars. */
export type TelemetrySettings = Pick<TelemetryOptions, "endpoint" | "token" | "deployment"> &
  Partial<Pick<TelemetryOptions, "sampleRate" | "redact" | "flushIntervalMs" | "fetch" | "log">>;

export interface EdgeRuntimeOptions {
  manifest: Manifest;
  engine: Engine;
  modelBytes: Uint8Array;
  /** What `modelBytes` must hash to when it is not the manifest's artifact (a compiled graph). */
  modelSha256?: string;
  target: Target;
  /** Limits baked in at build time; env vars override them in `configure`. Without maxBodyBytes it follows the model. */
  settings?: EdgeSettingsInput | undefined;
  /** Keep a promise running after the response (Workers: ctx.waitUntil); a floating promise elsewhere. */
  schedule?: TelemetryHookOptions["schedule"];
  /** The feature views the model reads (runtime/features/types.ts); the reader comes from `featureReader` at configure. */
  lookup?: LookupPlan | undefined;
  /** The target's feature store reader, made once from the env given to `configure` (runtime/features/serving.ts). */
  featureReader?: FeatureReaderFactory | undefined;
}

export interface EdgeRuntime {
  /** The edge app: serve it, or mount it in a larger Hono app (`app.route("/ml", edge.app)`). */
  readonly app: Hono;
  readonly settings: EdgeSettings;
  loadPredictor(): Promise<Predictor>;
  /** Read settings and the monitor from env vars; only the first call counts (Workers call it per request). */
  configure(env: Readonly<Record<string, unknown>> | undefined): void;
  /** The telemetry client, once configured with a monitor. */
  telemetry(): Telemetry | undefined;
}

/**
 * The telemetry client of a served model: the same options on every target. `backend` is what runs the model (a
 * page's device and why, a server's engine), reported in every batch.
 */
export function createModelTelemetry(manifest: Manifest, target: Target, settings: TelemetrySettings, backend?: TelemetryBackend): Telemetry {
  return createTelemetry({ ...settings, target, baseline: manifest.baseline, slices: manifest.slices, ...(backend ? { backend } : {}) });
}

export function createEdgeRuntime(opts: EdgeRuntimeOptions): EdgeRuntime {
  let telemetry: Telemetry | undefined;
  let hook: ((event: Parameters<ReturnType<typeof createTelemetryHook>>[0], c: Context) => void) | undefined;
  let configured = false;
  let rollout: TelemetryRollout | undefined;
  const store = looksUp(opts.lookup) ? createDeferredReader(opts.target) : undefined;
  const configure = (env: Readonly<Record<string, unknown>> | undefined) => {
    if (configured) return;
    configured = true;
    if (store && opts.lookup) store.configure(opts.featureReader, env, opts.lookup);
    // Resolved again as a whole: an env maxBatch moves a derived body limit with it.
    Object.assign(deployment.settings, resolveEdgeSettings(opts.manifest, opts.settings, env));
    const config = telemetryConfigFromEnv(env, `${opts.manifest.name}-${opts.target}`);
    if (!config) return;
    rollout = rolloutOfEnv(env?.["EDGE_ML_ROLLOUT_ARM"]);
    telemetry = createModelTelemetry(opts.manifest, opts.target, config, backendOfEngine(opts.engine.name));
    hook = createTelemetryHook(
      withRollout(telemetry, () => rollout),
      opts.manifest,
      { flushDelayMs: config.flushIntervalMs, ...(opts.schedule ? { schedule: opts.schedule } : {}) },
    );
  };
  const deployment = createDeployment({
    manifest: opts.manifest,
    engine: opts.engine,
    modelBytes: opts.modelBytes,
    ...(opts.modelSha256 ? { modelSha256: opts.modelSha256 } : {}),
    settings: resolveEdgeSettings(opts.manifest, opts.settings),
    ...(store && opts.lookup ? { lookup: { plan: opts.lookup, reader: store.reader } } : {}),
    // Env vars reach a Worker only with a request: the first one configures the runtime (mounted or not).
    onStart: (c) => configure(c.env as Record<string, unknown> | undefined),
    onRequest: (event, c) => {
      if (hook === undefined) return;
      if (event.arm !== undefined) rollout = rolloutOfEvent(event, rollout);
      hook(event, c);
    },
  });
  return { app: deployment.app, settings: deployment.settings, loadPredictor: deployment.loadPredictor, configure, telemetry: () => telemetry };
}

/**
 * A version's arm and mode from its request events. The challenger's shadow runs say `shadow`; once seen, the mode
 * stays shadow (a request pinned to the challenger's version in a shadow build is not a canary). A champion's events
 * look the same in both modes, so its batches name only the arm; the monitor takes the mode from the challenger's.
 */
export function rolloutOfEvent(event: Pick<RequestEvent, "arm" | "shadow">, previous: TelemetryRollout | undefined): TelemetryRollout | undefined {
  if (event.arm === undefined) return previous;
  if (event.arm === "champion") return previous?.arm === "champion" ? previous : { arm: "champion" };
  if (event.shadow === true || previous?.mode === "shadow") return previous?.mode === "shadow" ? previous : { arm: "challenger", mode: "shadow" };
  return previous?.arm === "challenger" ? previous : { arm: "challenger", mode: "canary" };
}

/**
 * The arm of a version that serves alone beside another Worker version (a platform split: `deploy --gradual`). Each
 * version's requests are its own clients' (the platform splits them), so the challenger's mode is canary.
 */
export function rolloutOfEnv(arm: unknown): TelemetryRollout | undefined {
  if (arm === "champion") return { arm: "champion" };
  if (arm === "challenger") return { arm: "challenger", mode: "canary" };
  if (arm !== undefined && arm !== "") console.warn(`edge-ml: EDGE_ML_ROLLOUT_ARM is "${String(arm)}"; expected champion or challenger (ignored)`);
  return undefined;
}

/** The client with every recorded event stamped with the version's current rollout (set in place: no getter runs). */
function withRollout(telemetry: Telemetry, current: () => TelemetryRollout | undefined): Telemetry {
  return {
    ...telemetry,
    record(event) {
      const rollout = current();
      if (rollout !== undefined) event.rollout = rollout;
      telemetry.record(event);
    },
  };
}
