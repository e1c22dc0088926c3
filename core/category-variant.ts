/**
 * Case and whitespace variants of a known category (" Approach " ▶ "Approach"): one definition for `data validate`
 * (which reports them as `category_variant`) and for the edge (which maps them to the category when the feature says
 * `normalize: "case_and_space"`), so the CLI and every target treat the same string the same way.
 *
 * "Variant" means: equal to a category after trimming surrounding whitespace (String.prototype.trim's set) and
 * lower-casing both (String.prototype.toLowerCase, which does not depend on the locale). The first such category in
 * the feature's `values` wins.
 *
 * @example
 * ```ts
 * resembledCategory(["Approach", "Depart"], " approach "); // "Approach"
 * normalizeCategories({ instances: [{ phase: "DEPART " }] }, features); // { instances: [{ phase: "Depart" }] }
 * ```
 */
import type { FeatureSpec } from "./schema/features.ts";

/** The known category `raw` differs from only by case or surrounding whitespace; undefined when none (or exact). */
export function resembledCategory(values: readonly string[], raw: string): string | undefined {
  const key = raw.trim().toLowerCase();
  return values.find((v) => v.toLowerCase() === key);
}

/** The category an edge maps `raw` to: itself when known or not a variant, the category when a variant. */
function normalizeValue(f: FeatureSpec, raw: unknown): unknown {
  if (typeof raw !== "string" || f.values === undefined || f.values.includes(raw)) return raw;
  return resembledCategory(f.values, raw) ?? raw;
}

/**
 * A `:predict` body with the variants of every `normalize: "case_and_space"` feature mapped to their category, before
 * validation; anything not shaped like `{instances: [{...}]}` is returned as it is, for the validator to refuse.
 * The body is not mutated (a copy is made only when a value changes).
 */
export function normalizeCategories(body: unknown, features: readonly FeatureSpec[]): unknown {
  const normalized = features.filter((f) => f.type === "category" && f.normalize === "case_and_space");
  if (normalized.length === 0 || typeof body !== "object" || body === null || !("instances" in body) || !Array.isArray(body.instances)) return body;
  const instances = body.instances.map((inst: unknown) => {
    if (typeof inst !== "object" || inst === null || Array.isArray(inst)) return inst;
    let out: Record<string, unknown> | undefined;
    for (const f of normalized) {
      const raw: unknown = (inst as Record<string, unknown>)[f.name];
      const value = normalizeValue(f, raw);
      if (value !== raw) (out ??= { ...(inst as Record<string, unknown>) })[f.name] = value;
    }
    return out ?? inst;
  });
  return { ...body, instances };
}
