/**
 * `edge-ml validate`'s terminal output on samples: verdict, one row per model output (max abs and relative error,
 * lowest cosine, argmax agreement), the labels' accuracy or MAE, and every check.
 *
 * @example
 * ```ts
 * console.log(formatSamplesValidation(v, "models/mlp/1.0.0/manifest.json"));
 * // ✔ mlp@1.0.0 is blessed (tensor; 3 lines of models/mlp/1.0.0/samples.jsonl on wasm; 3 against expected outputs)
 * ```
 */
import { dim, green, red } from "../terminal/output.ts";
import { checkLine, pad } from "./format.ts";
import { formatError } from "./samples-checks.ts";
import type { SamplesValidation } from "./samples.ts";

const cos = (x: number | null) => (x === null ? "not finite" : x.toPrecision(8));
const share = (x: number | null) => (x === null ? "-" : `${Number((x * 100).toPrecision(4))}%`);

export function formatSamplesValidation(v: SamplesValidation, manifestShown: string): string {
  const r = v.result;
  const ref = `${v.name}@${v.version}${v.variant !== undefined ? ` (variant ${v.variant})` : ""}`;
  const s = r.samples;
  // A variant is compared with what the fp32 model gives; the fp32 artifact with its own bytes on onnxruntime-node.
  const node = v.variant !== undefined ? "against fp32 on onnxruntime-node" : "against onnxruntime-node";
  const against = [
    s.withOutputs > 0 ? `${s.withOutputs} against expected outputs` : "",
    s.lines > s.withOutputs ? `${s.lines - s.withOutputs} ${node}` : "",
  ].filter(Boolean);
  const lines = [
    `${r.blessed ? `${green("✔")} ${ref} is blessed` : `${red("✖")} ${ref} is not blessed`} (${r.task}; ${s.lines} line${s.lines === 1 ? "" : "s"} of ${s.file} on ${r.runtime}; ${against.join(", ")})`,
    ...pad(
      [
        ["  output", "values", "max abs", "max rel", "min cosine", "argmax agree"],
        ...r.outputs.map((o) => [
          `  ${o.name}`,
          String(o.values),
          formatError(o.maxAbsError),
          formatError(o.maxRelError),
          cos(o.minCosine),
          share(o.argmaxAgreement),
        ]),
      ],
      new Set([1, 2, 3, 4, 5]),
    ),
  ];
  if (r.labels) {
    const l = r.labels;
    lines.push(`labels: ${l.accuracy !== null ? `accuracy ${share(l.accuracy)}` : `MAE ${formatError(l.mae)}`} over ${l.rows} rows (${l.output})`);
  }
  lines.push("checks:", ...r.checks.map(checkLine));
  lines.push(dim("relative error: |served - reference| / max(|reference|, 1e-3); cosine: per line, the lowest shown"));
  lines.push(dim(`recorded in ${manifestShown} (${v.variant !== undefined ? `variant ${v.variant}'s validation` : "validation"})`));
  const next = `npx edge-ml deploy ${v.name}@${v.version}${v.variant !== undefined ? ` --variant ${v.variant}` : ""} --dry-run`;
  lines.push(dim(r.blessed ? `next: ${next}` : "next: fix the failing outputs (or the expected outputs), or loosen gates.samples in edge-ml.config.ts"));
  return lines.join("\n");
}
