/**
 * Engine hints a manifest implies, kept out of the manifest's zod module so the edge bundles (browser pages above
 * all) do not pull the schemas in to read one field.
 *
 * @example
 * ```ts
 * engine.createSession(bytes, { foldWeightDequantize: foldsWeightDequantize(manifest) });
 * ```
 */
import type { Variant } from "./schema/manifest.ts";

/**
 * Whether the served artifact is a weight-only int8 variant (weights stored int8, each read through a
 * DequantizeLinear). Such a graph runs fastest with onnxruntime's QDQ handling off: its constant folding then turns
 * every DequantizeLinear of a constant weight into the float weight once, at session creation, instead of on every
 * run (measured in onnxruntime-web's wasm: the MLP fixture 109 → 39 µs, fp32 44 µs; outputs equal within 3e-6). A
 * download at a quarter of the bytes, at fp32 speed. Engines read this through `SessionHints`.
 */
export function foldsWeightDequantize(m: { artifact: { sha256: string }; variants: readonly object[] }): boolean {
  return m.variants.some((v) => "recipe" in v && (v as Variant).sha256 === m.artifact.sha256 && isWeightOnlyInt8((v as Variant).recipe.scheme));
}

/** The quantization schemes that store weights int8 behind a DequantizeLinear (cli/optimize/quantize). */
export const isWeightOnlyInt8 = (scheme: string | null): boolean => scheme === "int8-per-channel" || scheme === "int8-per-tensor";

/**
 * The onnxruntime session options for a hint: the config entry "session.disable_quant_qdq" (set through `extra`,
 * which onnxruntime-web and -node pass on as session config entries). With QDQ handling off, constant folding also
 * folds DequantizeLinear of constant weights (it skips them otherwise, to keep QDQ groups for fusion).
 */
export function ortHintOptions(foldWeightDequantize: boolean | undefined): Record<string, unknown> {
  return foldWeightDequantize ? { extra: { session: { disable_quant_qdq: "1" } } } : {};
}
