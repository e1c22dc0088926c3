/** `edge-ml validate <name>@<version> --data eval.csv [--label col] [--slice col]... [--runtime node|wasm] [--report out.html] [--json]` */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from "../../core/metrics/bootstrap.ts";
import { repeated } from "../terminal/args.ts";
import { validateModel } from "../model-validate/validate.ts";
import { formatModelValidation } from "../model-validate/format.ts";
import { RUNTIMES, type Runtime } from "../model-validate/predictor.ts";
import { dim } from "../terminal/output.ts";
import { findProjectRoot } from "../project/project.ts";
import { renderModelReport } from "../report/model.ts";

function parseIntFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new EdgeMlError("ERR_USAGE", `--${flag} ${value} is not allowed`, { hint: `use a whole number from ${min} to ${max}` });
  return n;
}

export default defineCommand({
  meta: { name: "validate", description: "Evaluate a model version on labelled data, check the gates, and record the result in its manifest" },
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    data: { type: "string", required: true, description: "evaluation CSV with the features and the label" },
    label: { type: "string", description: "label column (default: the model's label)" },
    slice: { type: "string", description: "column to compute metrics per value of (repeatable; default: the model's slices)" },
    runtime: { type: "string", default: "node", description: `inference runtime: ${RUNTIMES.join(" | ")} (wasm = onnxruntime-web, as on the edge)` },
    report: { type: "string", description: "write a self-contained HTML report to this file" },
    json: { type: "boolean", description: "print the validation result as JSON" },
    resamples: { type: "string", description: `bootstrap resamples for the 95% intervals (default ${DEFAULT_RESAMPLES})` },
    seed: { type: "string", description: `bootstrap seed (default ${DEFAULT_SEED})` },
  },
  async run({ args, rawArgs }) {
    if (!(RUNTIMES as readonly string[]).includes(args.runtime)) {
      throw new EdgeMlError("ERR_USAGE", `--runtime ${args.runtime} is not a runtime`, { hint: `Should be one of: ${RUNTIMES.join(", ")}` });
    }
    const resamples = parseIntFlag("resamples", args.resamples, 10, 100_000);
    const seed = parseIntFlag("seed", args.seed, 0, 2 ** 31 - 1);
    const root = findProjectRoot();
    const v = await validateModel({
      root,
      ref: args.ref,
      data: args.data,
      slices: repeated(rawArgs, "slice"),
      runtime: args.runtime as Runtime,
      ...(args.label ? { label: args.label } : {}),
      ...(resamples !== undefined ? { resamples } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
    if (args.report) writeFileSync(args.report, renderModelReport(v));
    if (args.json) console.log(JSON.stringify(v.result, null, 2));
    else {
      console.log(formatModelValidation(v, relative(process.cwd(), v.manifestFile) || v.manifestFile));
      if (args.report) console.log(dim(`report: ${args.report}`));
    }
    if (!v.result.blessed) process.exitCode = 1;
  },
});
