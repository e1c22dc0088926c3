/**
 * `edge-ml features show <view> <key>`: one key's document read back from the view's local store, with its age.
 *
 * @example
 * ```ts
 * const { record, ageMs, expired } = await showFeature(root, "customer", "c-42");
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { type FeatureRecord, isExpired } from "../../core/feature-views-layout.ts";
import { openLocalStore } from "./local-store.ts";
import { resolveView } from "./view.ts";

export interface ShownFeature {
  record: FeatureRecord;
  store: string;
  /** Now minus the value's timestamp. */
  ageMs: number;
  /** Past the view's ttl: the edge would not serve it. */
  expired: boolean;
}

export async function showFeature(root: string, viewName: string, key: string, now = Date.now()): Promise<ShownFeature> {
  const view = await resolveView(root, viewName);
  const store = await openLocalStore(root, viewName, view);
  try {
    const record = await store.get(key);
    if (record === undefined)
      throw new EdgeMlError("ERR_USAGE", `key "${key}" is not in feature view "${viewName}" (${store.where})`, {
        hint: `check the ${view.key} value, or push it: npx edge-ml features push ${viewName} <csv>`,
      });
    return { record, store: store.where, ageMs: now - record.ts, expired: isExpired(record, view.ttlMs, now) };
  } finally {
    await store.close();
  }
}
