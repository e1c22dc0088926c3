/**
 * `edge-ml rollout status|promote|rollback <name>`: see where a champion/challenger rollout stands, promote the
 * challenger (deployed alone at 100%, then `champion` moves), or roll back to the previous champion. The work is in
 * cli/rollout/; these handlers parse, check flag pairs and print.
 *
 * @example
 * ```sh
 * npx edge-ml rollout status titanic
 * npx edge-ml rollout promote titanic --reason "canary clean for a week"
 * npx edge-ml rollout rollback titanic --reason "p99 latency doubled"
 * ```
 */
import { defineCommand } from "citty";
import { relative } from "node:path";
import { formatDeploy } from "../deploy/format.ts";
import { findProjectRoot } from "../project/project.ts";
import { formatStatus } from "../rollout/format.ts";
import { promote, type RolloutResult, rollback } from "../rollout/promote.ts";
import { rolloutStatus } from "../rollout/status.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { createSteps } from "../terminal/steps.ts";
import { ROLLOUT_PROMOTE, ROLLOUT_ROLLBACK, ROLLOUT_STATUS } from "./spec/rollout.ts";

export const STATUS = defineCommand({
  args: ROLLOUT_STATUS.args,
  async run({ args }) {
    const status = await rolloutStatus(findProjectRoot(), args.name, args.env);
    if (args.json) return printJson(status);
    console.log(formatStatus(status));
  },
});

/** --force needs a reason: overriding the gate is recorded with why (a reason alone is welcome: it is logged). */
function checkForce(args: { force?: boolean | undefined; reason?: string | undefined }, command: string): void {
  if (args.force && !args.reason?.trim()) {
    throw new UsageError(`--force needs --reason: ${command} past the deploy gate is recorded with why`, {
      hint: 'e.g. --force --reason "validated by hand on the incident data"',
    });
  }
}

/** The flags both commands pass to the deploy path, with progress on stderr. */
function shared(args: {
  name: string;
  force?: boolean | undefined;
  reason?: string | undefined;
  "dry-run"?: boolean | undefined;
  out?: string | undefined;
  env?: string | undefined;
}) {
  const steps = createSteps();
  return {
    steps,
    opts: {
      root: findProjectRoot(),
      name: args.name,
      dryRun: args["dry-run"] === true,
      ...(args.force ? { force: true } : {}),
      ...(args.reason?.trim() ? { reason: args.reason.trim() } : {}),
      ...(args.out ? { out: args.out } : {}),
      ...(args.env ? { environment: args.env } : {}),
      onStep: (step: string) => steps.start(step),
      onOutput: (chunk: string) => steps.output(chunk),
    },
  };
}

function print(result: RolloutResult, json: boolean | undefined, next: string): void {
  if (json) printJson(result);
  else console.log(formatDeploy(result, relative(process.cwd(), result.outDir) || ".", next));
}

export const PROMOTE = defineCommand({
  args: ROLLOUT_PROMOTE.args,
  async run({ args }) {
    checkForce(args, "promoting");
    const { steps, opts } = shared(args);
    const result = await steps.around(() => promote(opts));
    print(result, args.json, `npx edge-ml rollout promote ${args.name}   (moves the champion alias to ${result.to})`);
  },
});

export const ROLLBACK = defineCommand({
  args: ROLLOUT_ROLLBACK.args,
  async run({ args }) {
    checkForce(args, "rolling back");
    const { steps, opts } = shared(args);
    const result = await steps.around(() => rollback({ ...opts, ...(args.to ? { to: args.to } : {}) }));
    print(result, args.json, `npx edge-ml rollout rollback ${args.name} --to ${result.to}   (moves the champion alias to ${result.to})`);
  },
});
