/**
 * `edge-ml build <name>@<version> --target worker [--engine auto|ort|compiled] [--no-measure] [--no-parity] [--out dir] [--json]`:
 * bundle, then hold the build to Cloudflare's limits: sizes for every target; for worker builds also start-up and
 * memory, measured in workerd beside a hello-world Worker (skip with --no-measure). The report goes to build.json too.
 */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { buildTarget, TARGETS, targetConfig } from "../build/bundle.ts";
import { assessBuild, formatLimits } from "../build/limits-report.ts";
import { loadConfig } from "../project/config.ts";
import { findProjectRoot } from "../project/project.ts";
import { choice } from "../terminal/args.ts";
import { printJson } from "../terminal/json.ts";
import { dim, formatBytes, green } from "../terminal/output.ts";
import { createSteps } from "../terminal/steps.ts";
import { BUILD, ENGINES } from "./spec/build.ts";

export default defineCommand({
  args: BUILD.args,
  async run({ args, rawArgs }) {
    const target = choice("target", args.target, TARGETS);
    const root = findProjectRoot();
    const config = await loadConfig(root);
    const steps = createSteps();
    steps.start(`building ${args.ref} for ${target}`);
    const result = await steps.around(() =>
      buildTarget({
        root,
        ref: args.ref,
        target,
        settings: config.edge,
        config: targetConfig(config, target),
        variant: args.variant,
        engine: choice("engine", args.engine, ENGINES),
        onEngine: (engine) => steps.start(`engine: ${engine.name} (${engine.reason})`),
        // citty reads --no-parity as parity=false, not as the declared flag.
        parity: !(args["no-parity"] || rawArgs.includes("--no-parity")),
        ...(args.out ? { outDir: args.out } : {}),
      }),
    );
    // citty reads --no-measure as measure=false, not as the declared "no-measure" (dev's --no-monitor does the same).
    const measure = !(args["no-measure"] || rawArgs.includes("--no-measure"));
    if (measure && target === "worker") steps.start(`measuring start-up and memory in workerd (beside a hello-world Worker)`);
    const { measurement, findings } = await steps.around(() => assessBuild(result, { measure, onProgress: (step) => steps.start(step) }));
    if (args.json) {
      const { model, engine, outDir, main, files, totalBytes, totalGzipBytes, next } = result;
      return printJson({
        model,
        target,
        engine,
        outDir,
        main,
        files,
        totalBytes,
        totalGzipBytes,
        ...(measurement ? { measurement } : {}),
        limits: findings,
        next,
      });
    }
    const shown = relative(process.cwd(), result.outDir) || ".";
    console.log(`${green("✔")} built ${result.model.name}@${result.model.version} for ${result.target} → ${shown}`);
    for (const f of result.files) console.log(`  ${f.path.padEnd(32)} ${formatBytes(f.bytes).padStart(10)}  (gzip ${formatBytes(f.gzipBytes)})`);
    console.log(`  ${"total".padEnd(32)} ${formatBytes(result.totalBytes).padStart(10)}  (gzip ${formatBytes(result.totalGzipBytes)})`);
    console.log(`  model sha256 ${result.model.sha256} (verified now, and again where it loads)`);
    for (const line of formatLimits(result, measurement, findings)) console.log(line);
    if (target === "worker" && !measurement) console.log(dim("  start-up and memory not measured (--no-measure)"));
    console.log(`  next: ${result.next.replaceAll(result.outDir, shown)}`);
  },
});
