/**
 * `edge-ml deploy <name>@<challenger> --gradual <share>`: the platform splits the traffic (Cloudflare gradual
 * deployments) between two Worker versions, each a build that serves one model version alone. Both versions are
 * uploaded (`wrangler versions upload`) with their arm in EDGE_ML_ROLLOUT_ARM, so their telemetry names champion and
 * challenger and the monitor's compare page reads them as it reads an in-Worker canary; then one `wrangler versions
 * deploy <champion>@(100-p)% <challenger>@p%` sends the split. Clients stay on one version when their requests carry
 * the same `Cloudflare-Workers-Version-Key`.
 *
 * The champion alias does not move (the champion still serves most traffic): `rollout promote` moves it, `rollout
 * rollback --to <champion>` withdraws the challenger. Shadow mode has no platform split: it needs both versions in
 * one Worker (the config's `rollout`).
 *
 * @example
 * ```ts
 * const split = await shipGradual({ root, worker: "titanic", champion, challenger, vars, share: 0.1, env, message });
 * split.challenger.versionId; // the uploaded version that gets 10%
 * ```
 */
import { UsageError } from "../terminal/errors.ts";
import type { BuildResult } from "../../targets/types.ts";
import { deployVersions, uploadVersion } from "./versions.ts";

/** A share as `10%` or `0.1`, strictly between 0 and 100%, as a whole or decimal percentage. */
export function parseGradualShare(text: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(t);
  const percentage = m ? (m[2] === "%" ? Number(m[1]) : Number(m[1]) * 100) : Number.NaN;
  if (!(percentage > 0 && percentage < 100)) {
    throw new UsageError(`--gradual ${text}: a challenger's share is a percentage between 0 and 100 (exclusive), e.g. 10% or 0.1`, {
      hint: "a full switch is `npx edge-ml rollout promote <name>` (or a plain `deploy`); a gradual deploy shares the traffic",
    });
  }
  return Math.round(percentage * 1000) / 1000;
}

export interface GradualSide {
  version: string;
  /** The uploaded Worker version (absent on a dry run). */
  versionId?: string;
  percentage: number;
}

export interface GradualSplit {
  champion: GradualSide;
  challenger: GradualSide;
  /** The Cloudflare deployment that carries the split. */
  deploymentId?: string;
}

export interface GradualRequest {
  root: string;
  worker: string;
  environment?: string;
  /** The champion's build (served alone) and the challenger's. */
  champion: BuildResult;
  challenger: BuildResult;
  vars: Readonly<Record<string, string>>;
  /** The challenger's percentage (0-100, exclusive). */
  percentage: number;
  message: string;
  env: Readonly<Record<string, string | undefined>>;
  onStep?: (step: string) => void;
  onOutput?: (chunk: string) => void;
}

/** Upload both versions with their arm, then send the split; resolves once the API accepted the deployment. */
export async function shipGradual(req: GradualRequest): Promise<GradualSplit> {
  const cmd = (build: BuildResult) => ({
    root: req.root,
    dir: build.outDir,
    worker: req.worker,
    ...(req.environment ? { environment: req.environment } : {}),
    env: req.env,
    ...(req.onOutput ? { onOutput: req.onOutput } : {}),
  });
  const upload = async (build: BuildResult, arm: "champion" | "challenger") => {
    req.onStep?.(`uploading ${build.model.name}@${build.model.version} as the ${arm}'s version of "${req.worker}"`);
    const { versionId } = await uploadVersion({ ...cmd(build), vars: { ...req.vars, EDGE_ML_ROLLOUT_ARM: arm }, message: `${req.message} (${arm})` });
    return versionId;
  };
  const championId = await upload(req.champion, "champion");
  const challengerId = await upload(req.challenger, "challenger");
  const champion = { version: req.champion.model.version, versionId: championId, percentage: 100 - req.percentage };
  const challenger = { version: req.challenger.model.version, versionId: challengerId, percentage: req.percentage };
  req.onStep?.(`splitting "${req.worker}": ${champion.version}@${champion.percentage}% ${challenger.version}@${challenger.percentage}%`);
  const { deploymentId } = await deployVersions({
    ...cmd(req.challenger),
    traffic: [
      { id: championId, percentage: champion.percentage },
      { id: challengerId, percentage: challenger.percentage },
    ],
    message: req.message,
  });
  return { champion, challenger, ...(deploymentId ? { deploymentId } : {}) };
}
