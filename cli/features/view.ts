/**
 * The feature view a `features` command works on, from the project config, with the errors a user can act on.
 *
 * @example
 * ```ts
 * const view = await resolveView(root, "customer"); // { key: "customer_id", features: [...], store: "kv", ... }
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { FeatureView } from "../../core/feature-views.ts";
import { loadConfig } from "../project/config.ts";

export async function resolveView(root: string, name: string): Promise<FeatureView> {
  const views = (await loadConfig(root)).featureViews;
  const view = Object.hasOwn(views, name) ? views[name] : undefined;
  if (view !== undefined) return view;
  const names = Object.keys(views);
  throw new EdgeMlError("ERR_USAGE", `no feature view "${name}" in edge-ml.config.ts`, {
    hint:
      names.length > 0
        ? `configured views: ${names.join(", ")}`
        : 'define one: featureViews: { customer: { key: "customer_id", features: ["plan", "region"], timestamp: "updated_at", store: "kv" } }',
  });
}

/** Where each named column sits in a CSV header; a missing one is an error listing the header. */
export function columnIndexes(file: string, header: readonly string[], wanted: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  const missing: string[] = [];
  for (const [role, column] of Object.entries(wanted)) {
    const i = header.indexOf(column);
    if (i === -1) missing.push(`"${column}" (${role})`);
    out[role] = i;
  }
  if (missing.length > 0)
    throw new EdgeMlError("ERR_BAD_DATA", `${file} has no column ${missing.join(", ")}`, {
      hint: `its columns are: ${header.join(", ")}; the view's columns are set in edge-ml.config.ts (featureViews)`,
    });
  return out;
}
