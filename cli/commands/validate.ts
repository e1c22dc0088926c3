/**
 * `edge-ml validate <name>@<version> [--data eval.csv [--label col] [--slice col]... | --samples s.jsonl] [--variant name]
 * [--runtime node|wasm] [--report out.html] [--json] [--drop-bad-labels]`
 *
 * With --data: metrics on labelled rows against the gates (tabular models). Without: the model's samples (stored with
 * `models add --samples`, or --samples) through the edge's engine against their expected outputs.
 */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { choice, repeated } from "../terminal/args.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { validateModel, type ModelValidation } from "../model-validate/validate.ts";
import { isSamplesValidation, validateSamples, type SamplesValidation } from "../model-validate/samples.ts";
import { formatModelValidation } from "../model-validate/format.ts";
import { formatSamplesValidation } from "../model-validate/format-samples.ts";
import { RUNTIMES } from "../model-validate/predictor.ts";
import { dim } from "../terminal/output.ts";
import { findProjectRoot } from "../project/project.ts";
import { renderModelReport } from "../report/model.ts";
import { VALIDATE } from "./spec/validate.ts";

function parseIntFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag} ${value} is not allowed`, { hint: `use a whole number from ${min} to ${max}` });
  return n;
}

/** Flags that only mean something for metrics on labelled data. */
const DATA_ONLY = ["label", "slice", "resamples", "seed", "drop-bad-labels"] as const;

export default defineCommand({
  args: VALIDATE.args,
  async run({ args, rawArgs }) {
    const runtime = args.runtime === undefined ? undefined : choice("runtime", args.runtime, RUNTIMES);
    const root = findProjectRoot();
    const variant = args.variant ? { variant: args.variant } : {};
    let v: ModelValidation | SamplesValidation;
    if (args.data !== undefined) {
      if (args.samples !== undefined)
        throw new UsageError("--data and --samples cannot be used together", {
          hint: "validate on one at a time: labelled rows (--data) or recorded requests (--samples)",
        });
      const resamples = parseIntFlag("resamples", args.resamples, 10, 100_000);
      const seed = parseIntFlag("seed", args.seed, 0, 2 ** 31 - 1);
      v = await validateModel({
        root,
        ref: args.ref,
        data: args.data,
        slices: repeated(rawArgs, "slice"),
        runtime: runtime ?? "node",
        ...variant,
        ...(args.label ? { label: args.label } : {}),
        ...(resamples !== undefined ? { resamples } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(args["drop-bad-labels"] ? { dropBadLabels: true } : {}),
      });
    } else {
      const given = DATA_ONLY.find((f) => args[f] !== undefined && args[f] !== false);
      if (given !== undefined)
        throw new UsageError(`--${given} only goes with --data`, {
          hint: "validation on samples compares outputs; labels come from the samples' own `labels`",
        });
      v = await validateSamples({ root, ref: args.ref, ...variant, ...(runtime ? { runtime } : {}), ...(args.samples ? { samples: args.samples } : {}) });
    }
    if (args.report) writeFileSync(args.report, renderModelReport(v));
    if (args.json) printJson(v.result);
    else {
      const shown = relative(process.cwd(), v.manifestFile) || v.manifestFile;
      console.log(isSamplesValidation(v) ? formatSamplesValidation(v, shown) : formatModelValidation(v, shown));
      if (args.report) console.log(dim(`report: ${args.report}`));
    }
    if (!v.result.blessed) process.exitCode = 1;
  },
});
