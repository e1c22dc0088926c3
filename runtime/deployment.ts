/**
 * One served model on any target: the memoized model load (integrity check ▶ session ▶ predictor) and the Hono app.
 * Target adapters (targets/<name>/runtime.ts) supply the engine, the model bytes and the telemetry hook.
 *
 * @example
 * ```ts
 * const { app } = createDeployment({ manifest, engine, modelBytes, settings: DEFAULT_SETTINGS });
 * ```
 */
import type { Manifest } from "../core/schema/manifest.ts";
import { foldsWeightDequantize } from "../core/session-hints.ts";
import type { Hono } from "hono";
import { createEdgeApp, type EdgeAppOptions } from "./app.ts";
import { DEFAULT_SETTINGS, type EdgeSettings } from "./settings.ts";
import type { Engine } from "./engines/types.ts";
import { verifySha256 } from "./integrity.ts";
import { createPredictor, type Predictor, type PredictorOptions } from "./predictor.ts";

export interface DeploymentOptions {
  manifest: Manifest;
  engine: Engine;
  modelBytes: Uint8Array;
  /** The sha256 `modelBytes` must hash to: the manifest's artifact (default), or a compiled graph's, baked in at build. */
  modelSha256?: string;
  settings?: Partial<EdgeSettings>;
  onRequest?: EdgeAppOptions["onRequest"];
  onStart?: EdgeAppOptions["onStart"];
  /** The feature views the model reads and the store reader (issue 16): the predictor merges them into instances. */
  lookup?: PredictorOptions["lookup"];
}

/** What a deployment's app was made of: runtime/rollout-app.ts serves two of them from one app. */
export interface DeploymentParts {
  manifest: Manifest;
  loadPredictor: () => Promise<Predictor>;
  settings: EdgeSettings;
  onRequest: EdgeAppOptions["onRequest"];
  onStart: EdgeAppOptions["onStart"];
  lookup: EdgeAppOptions["lookup"];
}

// Keyed by the app, so that a deployment made through the shared adapter (runtime/adapter.ts), whose result carries
// only the app, can still be taken apart into a rollout's champion or challenger.
const partsOf = new WeakMap<Hono, DeploymentParts>();

/** The parts of an app that `createDeployment` made (undefined for any other app). */
export const deploymentOf = (app: Hono): DeploymentParts | undefined => partsOf.get(app);

export function createDeployment(opts: DeploymentOptions) {
  const settings: EdgeSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
  let loading: Promise<Predictor> | undefined;
  const loadPredictor = (): Promise<Predictor> => {
    if (loading === undefined) {
      loading = (async () => {
        await verifySha256(opts.modelBytes, opts.modelSha256 ?? opts.manifest.artifact.sha256, `model ${opts.manifest.name}@${opts.manifest.version}`);
        const session = await opts.engine.createSession(opts.modelBytes, { foldWeightDequantize: foldsWeightDequantize(opts.manifest) });
        return createPredictor({ manifest: opts.manifest, session, maxBatch: settings.maxBatch, ...(opts.lookup ? { lookup: opts.lookup } : {}) });
      })();
      // A failed load is retried on the next request instead of being cached (e.g. a transient engine failure).
      loading.catch(() => {
        loading = undefined;
      });
    }
    return loading;
  };
  const app = createEdgeApp({
    manifest: opts.manifest,
    loadPredictor,
    settings,
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
    ...(opts.onStart ? { onStart: opts.onStart } : {}),
    ...(opts.lookup ? { lookup: opts.lookup.plan } : {}),
  });
  partsOf.set(app, { manifest: opts.manifest, loadPredictor, settings, onRequest: opts.onRequest, onStart: opts.onStart, lookup: opts.lookup?.plan });
  return { app, loadPredictor, settings };
}
