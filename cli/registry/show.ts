/**
 * `models show`'s text: the version's artifact, IO, schema and lineage, its stored samples, and its variants (kind,
 * size against the fp32 artifact, optimize gates, and whether `validate --variant` blessed these exact bytes).
 *
 * @example
 * ```ts
 * console.log(formatModelShow(manifest));
 * // variant   int8  int8-dynamic  2.1 KiB (26% of fp32)  gates pass  validated (blessed)
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { formatBytes } from "../terminal/output.ts";

const dims = (s: readonly unknown[]) => `[${s.map((d) => d ?? "?").join(", ")}]`;

function samplesLine(m: Manifest): string {
  const s = m.samples;
  if (s === undefined) return `samples   -${m.features ? "" : "  (add with `models add ... --samples <file.jsonl>` to validate this tensor model)"}`;
  return `samples   ${s.file}  ${s.lines} line${s.lines === 1 ? "" : "s"} (${s.withOutputs} with outputs, ${s.withLabels} with labels)  ${formatBytes(s.bytes)}`;
}

function variantLine(m: Manifest, v: Manifest["variants"][number]): string {
  const share = m.artifact.bytes > 0 ? ` (${Math.round((100 * v.bytes) / m.artifact.bytes)}% of fp32)` : "";
  if ("checks" in v) return `variant   ${v.name}  ${v.kind}  ${formatBytes(v.bytes)}${share}  (recorded by an older edge-ml)`;
  const failed = v.gates.filter((g) => !g.pass).length;
  const gates = v.gates.length === 0 ? "no gates" : failed === 0 ? "gates pass" : `gates fail (${failed} of ${v.gates.length})`;
  const r = v.validation;
  const validated =
    r === undefined
      ? "not validated"
      : r.artifactSha256 !== v.sha256
        ? "validated for other bytes"
        : r.blessed
          ? "validated (blessed)"
          : "validated (not blessed)";
  return `variant   ${v.name}  ${v.kind}  ${formatBytes(v.bytes)}${share}  ${gates}  ${validated}`;
}

function validationLine(m: Manifest): string {
  const r = m.validation;
  if (r === undefined) return "validated -";
  const on = "samples" in r ? `${r.samples.file} (${r.samples.lines} lines, ${r.runtime})` : `${r.data.file} (${r.data.evaluated} rows)`;
  return `validated ${r.blessed ? "blessed" : "not blessed"} on ${on}, ${r.date}${r.artifactSha256 !== m.artifact.sha256 ? " (for other bytes)" : ""}`;
}

/** ONNX: its opsets. TF.js: the model.json's kind and every weight shard (what the integrity check covers). */
function artifactLines(m: Manifest): string[] {
  const t = m.artifact.tfjs;
  if (t === undefined) return [`opsets    ${m.artifact.opsets.map((o) => `${o.domain || "ai.onnx"} ${o.version}`).join(", ")}`];
  const count = `${t.shards.length} shard${t.shards.length === 1 ? "" : "s"}`;
  return [
    `tfjs      ${t.modelFormat}  ${count}  ${t.weightBytes} weight bytes (${formatBytes(t.weightBytes)})${m.artifact.producer ? `  from ${m.artifact.producer}` : ""}`,
    ...t.shards.map((s) => `shard     ${s.file}  ${s.bytes} bytes  sha256 ${s.sha256}`),
  ];
}

export function formatModelShow(m: Manifest): string {
  return [
    `${m.name}@${m.version}  (${m.task})  created ${m.createdAt}`,
    `artifact  ${m.artifact.file}  ${m.artifact.format}  ${m.artifact.bytes} bytes  sha256 ${m.artifact.sha256}`,
    ...artifactLines(m),
    ...m.io.inputs.map((t) => `input     ${t.name}  ${t.dtype}${dims(t.shape)}`),
    ...m.io.outputs.map((t) => `output    ${t.name}  ${t.dtype}${dims(t.shape)}`),
    ...(m.features ?? []).map((f) => `feature   ${f.name}  ${f.type}${f.nullable ? " (nullable)" : ""}${f.values ? `  {${f.values.join(", ")}}` : ""}`),
    `slices    ${m.slices.join(", ") || "-"}`,
    samplesLine(m),
    ...(m.variants.length === 0 ? ["variants  -"] : m.variants.map((v) => variantLine(m, v))),
    validationLine(m),
    `lineage   commit ${m.lineage.code ? `${m.lineage.code.commit.slice(0, 12)}${m.lineage.code.dirty ? " (dirty)" : ""}` : "-"}; data ${m.lineage.data.map((d) => `${d.file} (${d.rows} rows)`).join(", ") || "-"}`,
  ].join("\n");
}
