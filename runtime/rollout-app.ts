/**
 * One edge runtime serving a champion and a challenger (rollout.ts decides who answers). Each version is made by the
 * shared adapter (runtime/adapter.ts) as if it were served alone, so each keeps its own model load, integrity check
 * and telemetry client reporting as its own version; this file puts both behind one app, which is what targets serve
 * or mount. Settings (body limit, batch) are the champion's: the body is read once, for both.
 *
 * @example
 * ```ts
 * const champion = createEdgeRuntime({ manifest, engine, modelBytes, target: "worker" });
 * const challenger = createEdgeRuntime({ manifest: next, engine, modelBytes: nextBytes, target: "worker" });
 * const edge = createRolloutRuntime(champion, challenger, { challenger: next.version, mode: "canary", share: 0.1, sticky: "requestId" });
 * export default { fetch: edge.app.fetch };
 * ```
 */
import type { Context } from "hono";
import { createEdgeRuntime, type EdgeRuntime, type EdgeRuntimeOptions } from "./adapter.ts";
import { createEdgeApp } from "./app.ts";
import { type DeploymentParts, deploymentOf } from "./deployment.ts";
import type { FeatureReaderFactory } from "./features/serving.ts";
import type { LookupPlan } from "./features/types.ts";
import { type Rollout, type RolloutSettings, rolloutOf } from "./rollout.ts";

export interface RolloutRuntimeOptions {
  /** Keep the shadow run alive after the response (Workers: ctx.waitUntil); a detached promise elsewhere. */
  schedule?: ((c: Context, work: Promise<unknown>) => void) | undefined;
  /** Where challenger failures are logged (console.error by default). */
  log?: ((message: string) => void) | undefined;
}

/** The champion's runtime with the rollout app in place of its own, and the challenger's runtime beside it. */
export interface RolloutRuntime extends EdgeRuntime {
  readonly champion: EdgeRuntime;
  readonly challenger: EdgeRuntime;
  readonly rollout: Rollout;
  /** Load the challenger's model; a failure is logged and returned, never thrown (the champion serves regardless). */
  loadChallenger(): Promise<Error | undefined>;
  /** Send what telemetry both versions still hold (on shutdown). */
  flush(): Promise<void>;
}

function partsOf(edge: EdgeRuntime, role: string): DeploymentParts {
  const parts = deploymentOf(edge.app);
  if (parts === undefined) throw new Error(`createRolloutRuntime: the ${role} runtime was not made by createEdgeRuntime`);
  return parts;
}

export function createRolloutRuntime(champion: EdgeRuntime, challenger: EdgeRuntime, rollout: Rollout, opts: RolloutRuntimeOptions = {}): RolloutRuntime {
  const main = partsOf(champion, "champion");
  const other = partsOf(challenger, "challenger");
  if (main.manifest.name !== other.manifest.name || main.manifest.version === other.manifest.version) {
    throw new Error(
      `createRolloutRuntime: a challenger is another version of the same model (champion ${main.manifest.name}@${main.manifest.version}, challenger ${other.manifest.name}@${other.manifest.version})`,
    );
  }
  if (other.manifest.version !== rollout.challenger) {
    throw new Error(`createRolloutRuntime: the rollout names challenger ${rollout.challenger}, the challenger runtime serves ${other.manifest.version}`);
  }
  const log = opts.log ?? ((message: string) => console.error(message));
  const app = createEdgeApp({
    manifest: main.manifest,
    loadPredictor: main.loadPredictor,
    settings: main.settings,
    ...(main.onRequest ? { onRequest: main.onRequest } : {}),
    ...(main.lookup ? { lookup: main.lookup } : {}),
    onStart: (c) => {
      main.onStart?.(c);
      other.onStart?.(c);
    },
    challenger: { manifest: other.manifest, loadPredictor: other.loadPredictor, onRequest: other.onRequest, rollout, schedule: opts.schedule, log },
  });
  return {
    app,
    settings: champion.settings,
    loadPredictor: champion.loadPredictor,
    configure(env) {
      champion.configure(env);
      challenger.configure(env);
    },
    telemetry: () => champion.telemetry(),
    champion,
    challenger,
    rollout,
    async loadChallenger() {
      try {
        await challenger.loadPredictor();
        return undefined;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        log(`edge-ml: challenger ${other.manifest.name}@${other.manifest.version} could not be loaded; the champion answers every request: ${error.message}`);
        return error;
      }
    },
    async flush() {
      await Promise.all([champion.telemetry()?.flush(), challenger.telemetry()?.flush()]);
    },
  };
}

/** The challenger a target's entry serves beside its model: its manifest, its model bytes and the rollout. */
export interface ChallengerInput {
  manifest: EdgeRuntimeOptions["manifest"];
  modelBytes: Uint8Array;
  /** What `modelBytes` must hash to when it is not the manifest's artifact (a compiled graph). */
  modelSha256?: string | undefined;
  rollout: RolloutSettings;
  /** The challenger's own lookup plan (its features may come from other views); read with the same featureReader. */
  lookup?: LookupPlan | undefined;
}

/** What a target's entry passes: the model, its engine and build-time settings, and maybe a challenger. */
export interface ServedModelOptions {
  manifest: EdgeRuntimeOptions["manifest"];
  engine: EdgeRuntimeOptions["engine"];
  modelBytes: Uint8Array;
  /** What `modelBytes` must hash to when it is not the manifest's artifact (a compiled graph). */
  modelSha256?: string | undefined;
  settings?: EdgeRuntimeOptions["settings"];
  /** Another version of the model sharing the traffic (canary or shadow), run on the same engine. */
  challenger?: ChallengerInput | undefined;
  /**
   * The feature views the model reads (issue 16), baked in by `edge-ml build` from edge-ml.config.ts `featureViews`
   * and the manifest's `features[].from`. Absent or empty: the model looks nothing up.
   */
  lookup?: LookupPlan | undefined;
  /**
   * How this target reads feature stores: called once, when the runtime is configured, with the env it is configured
   * with (Workers: the first request's env with its KV/D1 bindings; Deno, Node: the env the entry passes). Each target
   * supplies its own (targets/worker: KV and D1 bindings; Deno: Deno KV; Node, browser: memory or fetch). Without it, a
   * build that looks features up answers 503 FEATURE_STORE_UNAVAILABLE to requests that need a lookup.
   */
  featureReader?: FeatureReaderFactory | undefined;
}

/**
 * What every target's entry serves: the model alone (the shared adapter's runtime), or, given a challenger, both
 * versions behind one app. Both run on the same engine (one wasm runtime per isolate), each with its own session.
 *
 * @example
 * ```ts
 * const edge = createServedRuntime("deno", { manifest, engine, modelBytes, challenger: { manifest: next, modelBytes: nextBytes, rollout: { mode: "shadow" } } });
 * ```
 */
export function createServedRuntime(
  target: EdgeRuntimeOptions["target"],
  opts: ServedModelOptions,
  schedule?: EdgeRuntimeOptions["schedule"],
): EdgeRuntime | RolloutRuntime {
  const shared = {
    engine: opts.engine,
    target,
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...(schedule ? { schedule } : {}),
    ...(opts.featureReader ? { featureReader: opts.featureReader } : {}),
  };
  const champion = createEdgeRuntime({
    ...shared,
    manifest: opts.manifest,
    modelBytes: opts.modelBytes,
    ...(opts.modelSha256 ? { modelSha256: opts.modelSha256 } : {}),
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
  });
  const { challenger } = opts;
  if (challenger === undefined) return champion;
  const other = createEdgeRuntime({
    ...shared,
    manifest: challenger.manifest,
    modelBytes: challenger.modelBytes,
    ...(challenger.modelSha256 ? { modelSha256: challenger.modelSha256 } : {}),
    ...(challenger.lookup ? { lookup: challenger.lookup } : {}),
  });
  return createRolloutRuntime(champion, other, rolloutOf(challenger.manifest.version, challenger.rollout), { schedule });
}

/** Whether a served runtime has a challenger beside its model. */
export const isRollout = (edge: EdgeRuntime): edge is RolloutRuntime => "challenger" in edge;
