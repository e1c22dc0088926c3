/** `edge-ml models add <model.onnx> --name <n> --version <semver> ...` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { addModel } from "../../registry/add-model.ts";
import { repeated } from "../../terminal/args.ts";
import { green } from "../../terminal/output.ts";
import { findProjectRoot } from "../../project/project.ts";

export default defineCommand({
  meta: { name: "add", description: "Register an ONNX model as a new immutable version" },
  args: {
    model: { type: "positional", description: "path to the .onnx file", required: true },
    name: { type: "string", description: "model name (lowercase, e.g. titanic)", required: true },
    version: { type: "string", description: "semantic version, e.g. 1.0.0", required: true },
    features: { type: "string", description: "feature schema JSON (tabular models)" },
    preprocess: { type: "string", description: "preprocessing JSON (tabular models)" },
    postprocess: { type: "string", description: "postprocessing JSON (sigmoid, softmax, threshold, labels, top_k...)" },
    params: { type: "string", description: "hyperparameters JSON, stored in the lineage" },
    data: { type: "string", description: "training data CSV (repeatable): hashed and counted into the lineage" },
    label: { type: "string", description: "label column in the data" },
    slice: { type: "string", description: "feature to slice metrics by (repeatable)" },
    task: { type: "string", description: "binary | multiclass | regression | tensor (inferred when omitted)" },
    description: { type: "string", description: "one line about the model" },
  },
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
      data: repeated(rawArgs, "data"),
      slices: repeated(rawArgs, "slice"),
    });
    const io = (t: { name: string; dtype: string; shape: unknown[] }) => `${t.name} ${t.dtype}[${t.shape.map((d) => d ?? "?").join(", ")}]`;
    console.log(`${green("✔")} added ${manifest.name}@${manifest.version} (${manifest.task}) → ${relative(process.cwd(), dir) || dir}`);
    console.log(`  inputs:  ${manifest.io.inputs.map(io).join("; ")}`);
    console.log(`  outputs: ${manifest.io.outputs.map(io).join("; ")}`);
    console.log(`  sha256:  ${manifest.artifact.sha256}`);
    console.log(`  next:    npx edge-ml dev ${manifest.name}@${manifest.version}`);
  },
});
