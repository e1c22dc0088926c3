/** `edge-ml optimize <name>@<version> [--quantize int8|int8-dynamic|fp16|int4] [--level basic|extended] [--data <csv> | --samples <jsonl>] [--target worker|browser|deno|node] [--json]` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { OPTIMIZE_TARGETS } from "../../core/schema/manifest.ts";
import { formatOptimize } from "../optimize/format.ts";
import { GRAPH_LEVELS } from "../optimize/graph.ts";
import { optimizeModel, QUANTIZE_GOALS } from "../optimize/optimize.ts";
import { findProjectRoot } from "../project/project.ts";
import { choice } from "../terminal/args.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { createSteps } from "../terminal/steps.ts";
import { OPTIMIZE } from "./spec/optimize.ts";

export default defineCommand({
  args: OPTIMIZE.args,
  async run({ args }) {
    const quantize = args.quantize === undefined ? undefined : choice("quantize", args.quantize, QUANTIZE_GOALS);
    const level = args.level === undefined ? undefined : choice("level", args.level, GRAPH_LEVELS);
    const target = choice("target", args.target, OPTIMIZE_TARGETS);
    if (quantize === undefined && level === undefined) {
      throw new UsageError("nothing to do: pass --quantize and/or --level", {
        hint: "e.g. `npx edge-ml optimize <name>@<version> --quantize int8` (int8 | int8-dynamic | fp16 | int4) or --level extended",
      });
    }
    if (args.data !== undefined && args.samples !== undefined) {
      throw new UsageError("--data and --samples are two ways to compare: pass one", { hint: "--data for tabular models, --samples for tensor models" });
    }
    let budget: number | undefined;
    if (args["latency-budget"] !== undefined) {
      budget = Number(args["latency-budget"]);
      if (!(budget >= 1 && budget <= 600))
        throw new UsageError(`--latency-budget ${args["latency-budget"]} is not allowed`, { hint: "seconds, from 1 to 600" });
    }
    const steps = createSteps();
    const result = await steps.around(() =>
      optimizeModel({
        root: findProjectRoot(),
        ref: args.ref,
        target,
        ...(quantize ? { quantize } : {}),
        ...(level ? { level } : {}),
        ...(args.data ? { data: args.data } : {}),
        ...(args.label ? { label: args.label } : {}),
        ...(args.samples ? { samples: args.samples } : {}),
        ...(args.name ? { name: args.name } : {}),
        ...(budget !== undefined ? { latencyBudgetMs: budget * 1000 } : {}),
        ...(args["dry-run"] ? { dryRun: true } : {}),
        onStep: (s) => steps.start(s),
      }),
    );
    if (args.json) printJson(result);
    else console.log(formatOptimize(result, relative(process.cwd(), result.manifestFile) || result.manifestFile));
    if (result.kept === null) process.exitCode = 1;
  },
});
