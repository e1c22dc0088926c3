/** `edge-ml deploy <name>@<version> [--target worker] [--dry-run] [--force --reason <text>] [--out dir]` */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { deploy, DEPLOY_TARGETS, type DeployTarget } from "../deploy/deploy.ts";
import { formatDeploy } from "../deploy/format.ts";
import { findProjectRoot } from "../project/project.ts";

export default defineCommand({
  meta: { name: "deploy", description: "Deploy a blessed model version: gate, build, wrangler deploy, register with the monitor, move champion" },
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    target: { type: "string", default: "worker", description: `target: ${DEPLOY_TARGETS.join(" | ")}` },
    "dry-run": { type: "boolean", description: "build and run `wrangler deploy --dry-run`; upload nothing, move no alias" },
    force: { type: "boolean", description: "deploy a version that is not blessed (needs --reason; recorded in deploys.log.jsonl)" },
    reason: { type: "string", description: "why the gate is overridden (with --force)" },
    out: { type: "string", description: "build folder (default dist/<name>-<version>-<target>)" },
  },
  async run({ args }) {
    if (args.force && !args.reason?.trim()) {
      throw new EdgeMlError("ERR_USAGE", "--force needs --reason: overriding the deploy gate is recorded with why", {
        hint: 'e.g. --force --reason "hotfix for incident 1234; validated by hand"',
      });
    }
    if (args.reason !== undefined && !args.force) {
      throw new EdgeMlError("ERR_USAGE", "--reason only goes with --force", {
        hint: "a blessed version deploys without a reason; add --force to override the gate",
      });
    }
    if (!(DEPLOY_TARGETS as readonly string[]).includes(args.target)) {
      throw new EdgeMlError("ERR_USAGE", `--target ${args.target} is not a deploy target`, {
        hint: `Should be one of: ${DEPLOY_TARGETS.join(", ")} (build other targets with \`npx edge-ml build --target <target>\`)`,
      });
    }
    const root = findProjectRoot();
    const result = await deploy({
      root,
      ref: args.ref,
      target: args.target as DeployTarget,
      dryRun: args["dry-run"] === true,
      ...(args.force ? { force: true } : {}),
      ...(args.reason ? { reason: args.reason.trim() } : {}),
      ...(args.out ? { out: args.out } : {}),
    });
    console.log(formatDeploy(result, relative(process.cwd(), result.outDir) || "."));
  },
});
