/** `edge-ml validate <name>@<version> --data eval.csv [--label col] [--slice col]... [--runtime node|wasm] [--report out.html] [--json] [--drop-bad-labels]` */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { choice, repeated } from "../terminal/args.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { validateModel } from "../model-validate/validate.ts";
import { formatModelValidation } from "../model-validate/format.ts";
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

export default defineCommand({
  args: VALIDATE.args,
  async run({ args, rawArgs }) {
    const runtime = choice("runtime", args.runtime, RUNTIMES);
    const resamples = parseIntFlag("resamples", args.resamples, 10, 100_000);
    const seed = parseIntFlag("seed", args.seed, 0, 2 ** 31 - 1);
    const root = findProjectRoot();
    const v = await validateModel({
      root,
      ref: args.ref,
      data: args.data,
      slices: repeated(rawArgs, "slice"),
      runtime,
      ...(args.label ? { label: args.label } : {}),
      ...(resamples !== undefined ? { resamples } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(args["drop-bad-labels"] ? { dropBadLabels: true } : {}),
    });
    if (args.report) writeFileSync(args.report, renderModelReport(v));
    if (args.json) printJson(v.result);
    else {
      console.log(formatModelValidation(v, relative(process.cwd(), v.manifestFile) || v.manifestFile));
      if (args.report) console.log(dim(`report: ${args.report}`));
    }
    if (!v.result.blessed) process.exitCode = 1;
  },
});
