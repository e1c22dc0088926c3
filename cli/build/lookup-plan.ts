/**
 * The lookup plan a build bakes in (issue 16): for a model whose features come `from` feature views, each view it
 * reads (its key column, store and ttl from edge-ml.config.ts `featureViews`) with only the features the model reads,
 * in the model's order. A `from` the config cannot resolve is a build error naming the feature and the config key;
 * a view whose store the target cannot read (Workers read only kv and d1) too.
 *
 * @example
 * ```ts
 * lookupPlanFor(manifest, config.featureViews, "worker");
 * // { views: { passenger: { key: "passenger_id", features: ["sex", "passengerClass"], store: "kv" } } }
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { checkLookedUpFeatures, type FeatureViews } from "../../core/feature-views.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { LookupPlan, LookupView } from "../../runtime/features/types.ts";

/** The stores a target can read; a target not listed reads every kind (its reader decides, e.g. through a feature service). */
const TARGET_STORES: Record<string, readonly LookupView["store"][]> = { worker: ["kv", "d1"] };

/** The plan of `manifest`'s looked-up features; undefined when the model looks nothing up. */
export function lookupPlanFor(manifest: Manifest, views: FeatureViews, target: string): LookupPlan | undefined {
  const features = manifest.features ?? [];
  if (!features.some((f) => f.from !== undefined)) return undefined;
  const ref = `${manifest.name}@${manifest.version}`;
  const issues = checkLookedUpFeatures(features, views);
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new EdgeMlError("ERR_BAD_CONFIG", `${ref} looks features up that edge-ml.config.ts does not serve: ${first.message}`, {
      file: "edge-ml.config.ts",
      issues: issues.map((i) => ({ path: `${ref} ${i.path}`, message: i.message })),
      hint: `define the view under featureViews in edge-ml.config.ts (featureViews.<view>: { key, features: [...], store }), listing the feature, then build again`,
    });
  }
  const plan: LookupPlan = { views: {} };
  for (const f of features) {
    if (f.from === undefined) continue;
    const view = views[f.from]!;
    const entry = (plan.views[f.from] ??= { key: view.key, features: [], store: view.store, ...(view.ttlMs === undefined ? {} : { ttlMs: view.ttlMs }) });
    entry.features.push(f.name);
  }
  const stores = TARGET_STORES[target];
  const unreadable = stores ? Object.entries(plan.views).filter(([, v]) => !stores.includes(v.store)) : [];
  if (stores && unreadable.length > 0) {
    throw new EdgeMlError(
      "ERR_BAD_CONFIG",
      `the ${target} target cannot read feature view ${unreadable.map(([n, v]) => `"${n}" (store "${v.store}")`).join(", ")}`,
      {
        file: "edge-ml.config.ts",
        issues: unreadable.map(([n]) => ({ path: `featureViews.${n}.store`, message: `${target} reads ${stores.map((s) => `"${s}"`).join(" or ")}` })),
        hint: `set featureViews.${unreadable[0]![0]}.store to ${stores.map((s) => `"${s}"`).join(" or ")}, push the view again (edge-ml features push ${unreadable[0]![0]} <csv>), and build again`,
      },
    );
  }
  return plan;
}
