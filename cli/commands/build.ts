/** `edge-ml build <name>@<version> --target worker [--out dir] [--json]` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { buildTarget, TARGETS, targetConfig } from "../build/bundle.ts";
import { loadConfig } from "../project/config.ts";
import { findProjectRoot } from "../project/project.ts";
import { choice } from "../terminal/args.ts";
import { printJson } from "../terminal/json.ts";
import { formatBytes, green } from "../terminal/output.ts";
import { createSteps } from "../terminal/steps.ts";
import { BUILD, ENGINES } from "./spec/build.ts";

export default defineCommand({
  args: BUILD.args,
  async run({ args }) {
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
        ...(args.out ? { outDir: args.out } : {}),
      }),
    );
    if (args.json) {
      const { model, outDir, main, files, totalBytes, totalGzipBytes, next } = result;
      return printJson({ model, target, outDir, main, files, totalBytes, totalGzipBytes, next });
    }
    const shown = relative(process.cwd(), result.outDir) || ".";
    console.log(`${green("✔")} built ${result.model.name}@${result.model.version} for ${result.target} → ${shown}`);
    for (const f of result.files) console.log(`  ${f.path.padEnd(32)} ${formatBytes(f.bytes).padStart(10)}  (gzip ${formatBytes(f.gzipBytes)})`);
    console.log(`  ${"total".padEnd(32)} ${formatBytes(result.totalBytes).padStart(10)}  (gzip ${formatBytes(result.totalGzipBytes)})`);
    console.log(`  model sha256 ${result.model.sha256} (verified now, and again where it loads)`);
    console.log(`  next: ${result.next.replaceAll(result.outDir, shown)}`);
  },
});
