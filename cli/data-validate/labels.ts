/**
 * The label column checked the way `edge-ml validate` reads it (cli/model-validate/labels.ts's codec), so a row
 * `data validate` passes is a row `validate` can score: a missing label, a label outside the classes the model was
 * trained on (binary: the threshold's labels; multiclass: the `labels` step, or a class index without one), a
 * regression target that is not a number. Without a model (a schema file and `--label`), only missing labels count.
 *
 * @example
 * ```ts
 * const check = createLabelCheck(manifest);
 * check("maybe"); // { code: "unknown_label", expected: "one of no, yes" }
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { MISSING_TOKENS } from "../baseline/values.ts";
import { createLabelCodec } from "../model-validate/labels.ts";

export type LabelAnomaly = "missing_label" | "unknown_label" | "non_numeric_label";

interface LabelVerdict {
  code: LabelAnomaly;
  /** What the label should have been, for messages. */
  expected: string;
}

export type LabelCheck = (raw: string) => LabelVerdict | undefined;

/** The rule for `manifest`'s task; a tensor model or no manifest checks only that a label is present. */
export function createLabelCheck(manifest: Manifest | undefined): LabelCheck {
  const task = manifest?.task;
  if (manifest === undefined || (task !== "binary" && task !== "multiclass" && task !== "regression")) {
    return (raw) => (MISSING_TOKENS.has(raw) ? { code: "missing_label", expected: "a label" } : undefined);
  }
  const codec = createLabelCodec(manifest);
  const expected = task === "regression" ? "a number" : codec.classes.length > 0 ? `one of ${codec.classes.join(", ")}` : "a class index (0, 1, ...)";
  return (raw) => {
    if (MISSING_TOKENS.has(raw)) return { code: "missing_label", expected };
    try {
      codec.encode(raw, "", "");
      return undefined;
    } catch {
      return { code: task === "regression" ? "non_numeric_label" : "unknown_label", expected };
    }
  };
}
