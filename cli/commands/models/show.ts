/** `edge-ml models show <name>@<version> [--json]` */
import { defineCommand } from "citty";
import { loadModel } from "../../registry/registry.ts";
import { findProjectRoot } from "../../project/project.ts";
import { printJson } from "../../terminal/json.ts";
import { MODELS_SHOW } from "../spec/models.ts";

export default defineCommand({
  args: MODELS_SHOW.args,
  run({ args }) {
    const { manifest: m } = loadModel(findProjectRoot(), args.ref);
    if (args.json) return printJson(m);
    const dims = (s: readonly unknown[]) => `[${s.map((d) => d ?? "?").join(", ")}]`;
    const lines = [
      `${m.name}@${m.version}  (${m.task})  created ${m.createdAt}`,
      `artifact  ${m.artifact.file}  ${m.artifact.bytes} bytes  sha256 ${m.artifact.sha256}`,
      `opsets    ${m.artifact.opsets.map((o) => `${o.domain || "ai.onnx"} ${o.version}`).join(", ")}`,
      ...m.io.inputs.map((t) => `input     ${t.name}  ${t.dtype}${dims(t.shape)}`),
      ...m.io.outputs.map((t) => `output    ${t.name}  ${t.dtype}${dims(t.shape)}`),
      ...(m.features ?? []).map((f) => `feature   ${f.name}  ${f.type}${f.nullable ? " (nullable)" : ""}${f.values ? `  {${f.values.join(", ")}}` : ""}`),
      `slices    ${m.slices.join(", ") || "-"}`,
      `lineage   commit ${m.lineage.code ? `${m.lineage.code.commit.slice(0, 12)}${m.lineage.code.dirty ? " (dirty)" : ""}` : "-"}; data ${m.lineage.data.map((d) => `${d.file} (${d.rows} rows)`).join(", ") || "-"}`,
    ];
    console.log(lines.join("\n"));
  },
});
