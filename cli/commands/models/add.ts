/** `edge-ml models add <model.onnx | model.json | tfjs-folder> --name <n> --version <semver> ... [--samples samples.jsonl] [--json]` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { findProjectRoot } from "../../project/project.ts";
import { addModel } from "../../registry/add-model.ts";
import { repeated } from "../../terminal/args.ts";
import { printJson } from "../../terminal/json.ts";
import { green } from "../../terminal/output.ts";
import { MODELS_ADD } from "../spec/models.ts";

export default defineCommand({
  args: MODELS_ADD.args,
  async run({ args, rawArgs }) {
    const root = findProjectRoot();
    const { dir, manifest } = await addModel(root, {
      model: args.model,
      name: args.name,
      version: args.version,
      ...(args.features ? { features: args.features } : {}),
      ...(args.preprocess ? { preprocess: args.preprocess } : {}),
      ...(args.postprocess ? { postprocess: args.postprocess } : {}),
      ...(args.params ? { params: args.params } : {}),
      ...(args.label ? { label: args.label } : {}),
      ...(args.task ? { task: args.task } : {}),
      ...(args.description ? { description: args.description } : {}),
      ...(args.samples ? { samples: args.samples } : {}),
      data: repeated(rawArgs, "data"),
      slices: repeated(rawArgs, "slice"),
    });
    if (args.json) return printJson({ dir, manifest });
    const io = (t: { name: string; dtype: string; shape: unknown[] }) => `${t.name} ${t.dtype}[${t.shape.map((d) => d ?? "?").join(", ")}]`;
    console.log(`${green("✔")} added ${manifest.name}@${manifest.version} (${manifest.task}) → ${relative(process.cwd(), dir) || dir}`);
    console.log(`  inputs:  ${manifest.io.inputs.map(io).join("; ")}`);
    console.log(`  outputs: ${manifest.io.outputs.map(io).join("; ")}`);
    console.log(`  sha256:  ${manifest.artifact.sha256}`);
    const t = manifest.artifact.tfjs;
    if (t) console.log(`  weights: ${t.modelFormat}, ${t.shards.length} shard${t.shards.length === 1 ? "" : "s"} (${t.weightBytes} bytes), each hashed`);
    const s = manifest.samples;
    if (s) console.log(`  samples: ${s.lines} line${s.lines === 1 ? "" : "s"} (${s.withOutputs} with outputs, ${s.withLabels} with labels) → ${s.file}`);
    const ref = `${manifest.name}@${manifest.version}`;
    console.log(`  next:    ${s ? `npx edge-ml validate ${ref}` : `npx edge-ml dev ${ref}`}`);
  },
});
