/**
 * The deploy gate: a version goes out only with a validation result that is blessed, was recorded for these exact
 * model bytes, and (tabular results) whose evaluation data passed data validation. A variant (`--variant`, from
 * `edge-ml optimize`) is gated on its own result, recorded by `validate --variant` for the variant's bytes: the fp32
 * artifact's blessing does not carry over. `--force --reason` overrides the gate, on the record.
 *
 * @example
 * ```ts
 * const gate = deployGate(manifest);          // or deployGate(manifest, "int8") for a variant
 * if (!gate.ok) console.log(gate.reasons); // [{ path: "validation.checks[3]", message: "accuracy 0.78 < 0.8 on passengerClass=3rd" }]
 * ```
 */
import type { Issue } from "../../core/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { isSamplesResult, type ValidationResult } from "../../core/validation/result.ts";

export interface GateVerdict {
  ok: boolean;
  /** One line for the log and the error message. */
  summary: string;
  reasons: Issue[];
}

/** Where the result sits and which bytes it must belong to: the artifact's, or the variant's. */
function subject(
  manifest: Manifest,
  variant: string | undefined,
): GateVerdict | { path: string; sha256: string; what: string; v: ValidationResult | undefined } {
  if (variant === undefined) return { path: "validation", sha256: manifest.artifact.sha256, what: "the artifact's", v: manifest.validation };
  const i = manifest.variants.findIndex((x) => x.name === variant);
  const found = manifest.variants[i];
  if (found === undefined) {
    const names = manifest.variants.map((x) => x.name).join(", ") || "none";
    return {
      ok: false,
      summary: `it has no variant "${variant}"`,
      reasons: [{ path: "variants", message: `no variant named "${variant}" (variants: ${names})` }],
    };
  }
  const v = "validation" in found ? found.validation : undefined;
  return { path: `variants[${i}].validation`, sha256: found.sha256, what: `variant "${variant}"'s`, v };
}

export function deployGate(manifest: Manifest, variant?: string): GateVerdict {
  const s = subject(manifest, variant);
  if ("ok" in s) return s;
  const { v, path } = s;
  const of = variant === undefined ? "the version" : `variant "${variant}"`;
  if (v === undefined) return { ok: false, summary: "it has no validation result", reasons: [{ path, message: `missing: ${of} was never validated` }] };
  if (v.artifactSha256 !== s.sha256) {
    return {
      ok: false,
      summary: "its validation result belongs to other model bytes",
      reasons: [{ path: `${path}.artifactSha256`, message: `${v.artifactSha256} is not ${s.what} ${s.sha256}` }],
    };
  }
  const reasons: Issue[] = [];
  if (!isSamplesResult(v) && !v.dataValidation.ok) {
    reasons.push({
      path: `${path}.dataValidation`,
      message: `the evaluation data ${v.data.file} had ${v.dataValidation.errors} data error${v.dataValidation.errors === 1 ? "" : "s"}`,
    });
  }
  v.checks.forEach((c, i) => {
    if (!c.pass && c.kind !== "data") reasons.push({ path: `${path}.checks[${i}]`, message: c.message });
  });
  if (!v.blessed && reasons.length === 0) reasons.push({ path: `${path}.blessed`, message: "false" });
  const on = isSamplesResult(v) ? v.samples.file : v.data.file;
  if (reasons.length > 0) return { ok: false, summary: `it is not blessed (validated ${v.date} on ${on})`, reasons };
  const size = isSamplesResult(v) ? `${v.samples.lines} sample line${v.samples.lines === 1 ? "" : "s"}, ${v.runtime}` : `${v.data.evaluated} rows`;
  return { ok: true, summary: `blessed on ${v.date} (${on}, ${size})`, reasons: [] };
}
