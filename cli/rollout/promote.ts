/**
 * `edge-ml rollout promote|rollback <name>`: ship one version alone at 100% through the deploy path
 * (cli/deploy/deploy.ts: gate ▶ build ▶ wrangler deploy ▶ move `champion`), logged with who, when, why and from → to.
 *
 * - promote: the configured challenger (`models.<name>.rollout.challenger`), else the challenger of a live platform
 *   split (`deploy --gradual`), becomes the champion. A challenger that is not blessed is refused unless
 *   `--force --reason`.
 * - rollback: back to the champion before the current one (from deploys.log.jsonl), or `--to <version>`. The
 *   current champion again (`--to` it) withdraws a challenger that is live beside it.
 *
 * The champion alias moves only after the platform accepted the deployment (deploy.ts); a refusal, an API error or a
 * timeout leaves it where it was, with a `failed` line in the log. The config is never rewritten.
 *
 * @example
 * ```ts
 * await promote({ root, name: "titanic", dryRun: false, reason: "canary clean for a week" }); // champion → 1.1.0
 * await rollback({ root, name: "titanic", dryRun: false, reason: "p99 latency up" });          // champion → 1.0.0
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { type DeployOptions, type DeployResult, deploy } from "../deploy/deploy.ts";
import { readDeployLog } from "../deploy/log.ts";
import { CHAMPION } from "../model-validate/validate.ts";
import { loadConfig } from "../project/config.ts";
import { readAliases, resolveRef } from "../registry/registry.ts";
import { liveDeploy, previousChampion } from "./history.ts";
import { challengerVersion, knownModel } from "./status.ts";

/** What promote and rollback share with `deploy` (target worker; no variant). */
export type RolloutDeployOptions = Omit<DeployOptions, "ref" | "target" | "action" | "alone" | "forceHint"> & { name: string };

export interface RolloutResult extends DeployResult {
  /** The version that is (or, on a dry run, would be) the champion. */
  to: string;
}

async function ship(opts: RolloutDeployOptions, version: string, action: "promote" | "rollback", forceHint: string): Promise<RolloutResult> {
  const { name, ...rest } = opts;
  const r = await deploy({ ...rest, ref: `${name}@${version}`, target: "worker", action, alone: true, forceHint });
  return { ...r, to: version };
}

/**
 * The challenger to promote: the config's `rollout.challenger`, else the challenger of a platform split that is live
 * (`deploy --gradual`, from the deploy log).
 */
async function challengerToPromote(root: string, name: string): Promise<string> {
  const rollout = (await loadConfig(root)).models[name]?.rollout;
  if (rollout !== undefined) return challengerVersion(root, name, rollout.challenger);
  const split = liveDeploy(readDeployLog(root), name)?.split;
  if (split !== undefined) return split.challenger.version;
  throw new EdgeMlError("ERR_USAGE", `${name} has no rollout to promote: edge-ml.config.ts sets no models.${name}.rollout and no gradual deploy is live`, {
    hint: `name the challenger in edge-ml.config.ts: models: { ${name}: { rollout: { challenger: "${name}@<version>", mode: "canary", share: 0.1 } } }, split by the platform with \`npx edge-ml deploy ${name}@<version> --gradual 10%\`, or deploy a version directly with \`npx edge-ml deploy ${name}@<version>\``,
  });
}

export async function promote(opts: RolloutDeployOptions): Promise<RolloutResult> {
  const name = knownModel(opts.root, opts.name);
  const version = await challengerToPromote(opts.root, name);
  const champion = readAliases(opts.root, name)[CHAMPION];
  if (champion === version) {
    throw new EdgeMlError("ERR_USAGE", `${name}@${version} already is the champion: the rollout was promoted`, {
      hint: `remove models.${name}.rollout from edge-ml.config.ts, or point it at the next challenger; \`npx edge-ml rollout status ${name}\` shows what is live`,
    });
  }
  return ship(opts, version, "promote", `promote anyway with \`npx edge-ml rollout promote ${name} --force --reason "<why>"\``);
}

/** Where a rollback goes: `--to`, else the champion before the current one in the deploy log. */
function rollbackTarget(root: string, name: string, to: string | undefined): string {
  if (to !== undefined) return resolveRef(root, `${name}@${to}`).version;
  const champion = readAliases(root, name)[CHAMPION];
  if (champion === undefined) {
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `${name} has no champion to roll back from`, {
      hint: `deploy one first (\`npx edge-ml deploy ${name}@<version>\`), or name the version to serve: npx edge-ml rollout rollback ${name} --to <version>`,
    });
  }
  const previous = previousChampion(readDeployLog(root), name, champion);
  if (previous === undefined) {
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `no previous champion of ${name} to roll back to: deploys.log.jsonl has no champion before ${champion}`, {
      hint: `name the version to serve: npx edge-ml rollout rollback ${name} --to <version> (npx edge-ml models list shows the versions)`,
    });
  }
  return previous;
}

export async function rollback(opts: RolloutDeployOptions & { to?: string }): Promise<RolloutResult> {
  const name = knownModel(opts.root, opts.name);
  const { to, ...rest } = opts;
  const version = rollbackTarget(opts.root, name, to);
  return ship(rest, version, "rollback", `roll back anyway with \`npx edge-ml rollout rollback ${name} --to ${version} --force --reason "<why>"\``);
}
