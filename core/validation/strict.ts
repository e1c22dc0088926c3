/**
 * A strict zod object whose unknown-key error lists the keys allowed at that path, for config files people edit by
 * hand: `unknown key "minimum" (allowed: metric, min, max, slices, minRows)` says the fix, zod's default does not.
 *
 * @example
 * ```ts
 * const Gate = strictObject({ metric: z.string(), min: z.number().optional() });
 * Gate.safeParse({ metric: "auc", minimum: 1 }); // issue: unknown key "minimum" (allowed: metric, min)
 * ```
 */
import * as z from "zod";

export function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys")
        return `unknown key${iss.keys.length === 1 ? "" : "s"} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")} (allowed: ${allowed})`;
      if (iss.code === "invalid_type") return `expected an object with keys ${allowed}`;
      return undefined;
    },
  });
}
