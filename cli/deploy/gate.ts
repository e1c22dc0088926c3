/**
 * The deploy gate: a version goes out only with a validation result that is blessed, was recorded for these exact
 * model bytes, and whose evaluation data passed data validation. `--force --reason` overrides it, on the record.
 *
 * @example
 * ```ts
 * const gate = deployGate(manifest);
 * if (!gate.ok) console.log(gate.reasons); // [{ path: "validation.checks[3]", message: "accuracy 0.78 < 0.8 on passengerClass=3rd" }]
 * ```
 */
import type { Issue } from "../../core/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";

export interface GateVerdict {
  ok: boolean;
  /** One line for the log and the error message. */
  summary: string;
  reasons: Issue[];
}

export function deployGate(manifest: Manifest): GateVerdict {
  const v = manifest.validation;
  if (v === undefined)
    return { ok: false, summary: "it has no validation result", reasons: [{ path: "validation", message: "missing: the version was never validated" }] };
  if (v.artifactSha256 !== manifest.artifact.sha256) {
    return {
      ok: false,
      summary: "its validation result belongs to other model bytes",
      reasons: [{ path: "validation.artifactSha256", message: `${v.artifactSha256} is not the artifact's ${manifest.artifact.sha256}` }],
    };
  }
  const reasons: Issue[] = [];
  if (!v.dataValidation.ok) {
    reasons.push({
      path: "validation.dataValidation",
      message: `the evaluation data ${v.data.file} had ${v.dataValidation.errors} data error${v.dataValidation.errors === 1 ? "" : "s"}`,
    });
  }
  v.checks.forEach((c, i) => {
    if (!c.pass && c.kind !== "data") reasons.push({ path: `validation.checks[${i}]`, message: c.message });
  });
  if (!v.blessed && reasons.length === 0) reasons.push({ path: "validation.blessed", message: "false" });
  if (reasons.length > 0) return { ok: false, summary: `it is not blessed (validated ${v.date} on ${v.data.file})`, reasons };
  return { ok: true, summary: `blessed on ${v.date} (${v.data.file}, ${v.data.evaluated} rows)`, reasons: [] };
}
