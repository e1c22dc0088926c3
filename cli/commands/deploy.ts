/** `edge-ml deploy <name>@<version> [--target worker] [--env <name>] [--gradual <share>] [--dry-run] [--force --reason <text>] [--out dir] [--json]` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { DEPLOY_TARGETS, deploy } from "../deploy/deploy.ts";
import { parseGradualShare } from "../deploy/gradual.ts";
import { formatDeploy } from "../deploy/format.ts";
import { findProjectRoot } from "../project/project.ts";
import { choice } from "../terminal/args.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { readSecret } from "../terminal/secret.ts";
import { createSteps } from "../terminal/steps.ts";
import { DEPLOY, ENGINES } from "./spec/build.ts";

export default defineCommand({
  args: DEPLOY.args,
  async run({ args }) {
    if (args.force && !args.reason?.trim()) {
      throw new UsageError("--force needs --reason: overriding the deploy gate is recorded with why", {
        hint: 'e.g. --force --reason "hotfix for incident 1234; validated by hand"',
      });
    }
    if (args.reason !== undefined && !args.force) {
      throw new UsageError("--reason only goes with --force", { hint: "a blessed version deploys without a reason; add --force to override the gate" });
    }
    const target = choice("target", args.target, DEPLOY_TARGETS, "build other targets with `npx edge-ml build --target <target>`");
    const gradual = args.gradual === undefined ? undefined : parseGradualShare(args.gradual);
    const adminToken = await readSecret({ flag: "admin-token", env: "EDGE_ML_MONITOR_ADMIN_TOKEN", file: args["admin-token-file"] });
    const steps = createSteps();
    const result = await steps.around(() =>
      deploy({
        root: findProjectRoot(),
        ref: args.ref,
        target,
        dryRun: args["dry-run"] === true,
        ...(args.force ? { force: true } : {}),
        ...(args.reason ? { reason: args.reason.trim() } : {}),
        ...(args.out ? { out: args.out } : {}),
        ...(args.env ? { environment: args.env } : {}),
        ...(gradual !== undefined ? { gradual } : {}),
        ...(args.variant ? { variant: args.variant } : {}),
        engine: choice("engine", args.engine, ENGINES),
        ...(adminToken ? { env: { ...process.env, EDGE_ML_MONITOR_ADMIN_TOKEN: adminToken } } : {}),
        onStep: (step) => steps.start(step),
        onOutput: (chunk) => steps.output(chunk),
      }),
    );
    if (args.json) return printJson(result);
    console.log(formatDeploy(result, relative(process.cwd(), result.outDir) || "."));
  },
});
