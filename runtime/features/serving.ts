/**
 * How a target hands the edge its feature store (issue 16): a `FeatureReaderFactory` the target supplies through
 * `ServedModelOptions.featureReader` (runtime/rollout-app.ts), called ONCE per served version when the runtime is
 * configured, with the env the runtime is configured with (Workers: the first request's `env`, bindings included;
 * Deno/Node: the env the entry passes to `configure`) and that version's plan (which views, in which store kinds). Until then, or when the target supplies none or the factory throws, every read fails, so a
 * looked-up request is a 503 FEATURE_STORE_UNAVAILABLE naming what is missing, never a prediction on missing values.
 *
 * @example
 * ```ts
 * // A target's entry:
 * createServedRuntime("worker", { manifest, engine, modelBytes, lookup: plan, featureReader: (env, plan) => createWorkerFeatureReader(env, plan) });
 * // Inside the adapter:
 * const store = createDeferredReader("worker");
 * store.configure(opts.featureReader, env, plan);
 * await store.reader.read("customer", ["c-42"]);
 * ```
 */
import { HttpError } from "../http-error.ts";
import type { FeatureStoreReader, LookupPlan } from "./types.ts";

/** A target's store reader, made from the env the runtime is configured with, for the views of `plan`. */
export type FeatureReaderFactory = (env: Readonly<Record<string, unknown>> | undefined, plan: LookupPlan) => FeatureStoreReader;

/** True when the plan reads at least one view. */
export const looksUp = (plan: LookupPlan | undefined): plan is LookupPlan => plan !== undefined && Object.keys(plan.views).length > 0;

export interface DeferredReader {
  /** Reads through the configured reader; throws a 503 before `configure`, or when configuring failed. */
  readonly reader: FeatureStoreReader;
  /** Make the reader from the factory (only the first call counts). */
  configure(factory: FeatureReaderFactory | undefined, env: Readonly<Record<string, unknown>> | undefined, plan: LookupPlan): void;
}

export function createDeferredReader(target: string): DeferredReader {
  let current: FeatureStoreReader | undefined;
  let failure: HttpError = new HttpError(503, "FEATURE_STORE_UNAVAILABLE", `the ${target} runtime has not been configured with a feature store yet`, {
    hint: "the target's entry configures the runtime before serving (edge.configure(env)); this is a bug in the entry",
  });
  let configured = false;
  return {
    reader: {
      read: async (view, keys) => {
        if (current === undefined) throw failure;
        return current.read(view, keys);
      },
    },
    configure(factory, env, plan) {
      if (configured) return;
      configured = true;
      if (factory === undefined) {
        failure = new HttpError(503, "FEATURE_STORE_UNAVAILABLE", `this ${target} build looks features up, but its entry supplies no feature store reader`, {
          hint: "pass featureReader to the runtime (ServedModelOptions.featureReader), or send the looked-up features inline",
        });
        return;
      }
      try {
        current = factory(env, plan);
      } catch (err) {
        failure =
          err instanceof HttpError && err.status === 503
            ? err
            : new HttpError(503, "FEATURE_STORE_UNAVAILABLE", `the feature store could not be opened: ${err instanceof Error ? err.message : String(err)}`, {
                hint: "check the store's binding or settings for this target (README, Feature views: serving)",
              });
      }
    },
  };
}
