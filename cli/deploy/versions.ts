/**
 * Gradual deployments on Cloudflare Workers (champion vs challenger as two versions of one Worker): upload a build as
 * a new version without sending it traffic (`wrangler versions upload`), read which versions serve now (`wrangler
 * deployments list --json`), and split traffic between versions (`wrangler versions deploy <a>@90% <b>@10% --yes`).
 * Cloudflare keeps a client on one version when its requests carry the same `Cloudflare-Workers-Version-Key` header.
 * Failures are user errors with the API's own message (targets/worker/deploy.ts `wranglerFailure`).
 *
 * Promote and rollback are `deployVersions` with 100% on one version; the champion alias is the caller's to move,
 * after this resolves.
 *
 * @example
 * ```ts
 * const { versionId } = await uploadVersion({ root, dir: build.outDir, worker: "titanic", vars, message: "titanic@1.1.0", env });
 * const [champion] = await currentTraffic({ root, dir: build.outDir, worker: "titanic", env });
 * await deployVersions({ root, dir: build.outDir, worker: "titanic", env, message: "canary 10%",
 *   traffic: [{ id: champion.id, percentage: 90 }, { id: versionId, percentage: 10 }] });
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { wranglerFailure } from "../../targets/worker/deploy.ts";
import { runWrangler, type WranglerRun, wranglerTimeoutMs } from "../../targets/worker/wrangler.ts";

/** One version and the share of requests it gets (0-100). */
export interface VersionTraffic {
  id: string;
  percentage: number;
}

export interface WorkerCommand {
  /** The user's project (its own wrangler is preferred). */
  root: string;
  /** The build folder holding wrangler.toml. */
  dir: string;
  worker: string;
  /** wrangler's `--env`. */
  environment?: string;
  env: Readonly<Record<string, string | undefined>>;
  onOutput?: (chunk: string) => void;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const scope = (c: WorkerCommand) => ["--config", "wrangler.toml", "--name", c.worker, ...(c.environment ? ["--env", c.environment] : [])];

async function wrangler(c: WorkerCommand, args: string[], what: string): Promise<WranglerRun> {
  const run = await runWrangler(c.dir, args, { env: c.env, projectRoot: c.root, ...(c.onOutput ? { onOutput: c.onOutput } : {}) });
  if (run.code !== 0 || run.timedOut) {
    throw wranglerFailure(run, what, { cwd: c.dir, reproduce: args.join(" "), timeoutMs: wranglerTimeoutMs(c.env) });
  }
  return run;
}

/** Upload the build as a new version of the Worker; it gets no traffic until `deployVersions`. */
export async function uploadVersion(c: WorkerCommand & { vars: Readonly<Record<string, string>>; message: string }): Promise<{ versionId: string }> {
  const args = ["versions", "upload", ...scope(c), ...Object.entries(c.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]), "--message", c.message];
  const run = await wrangler(c, args, `wrangler versions upload of Worker "${c.worker}"`);
  // wrangler's output file says it exactly; its printed "Worker Version ID: ..." is the fallback.
  const versionId = run.events.find((e) => e.type === "version-upload")?.version_id ?? /Worker Version ID:\s*(\S+)/.exec(run.output)?.[1];
  if (!versionId || !UUID.test(versionId)) {
    throw new EdgeMlError("ERR_INTERNAL", `wrangler versions upload of Worker "${c.worker}" succeeded but did not say which version it created`, {
      hint: "run `npx wrangler versions list` in the build folder to find it",
    });
  }
  return { versionId };
}

/** Check a traffic split: version ids, whole or decimal percentages from 0 to 100 that add up to 100. */
export function checkTraffic(traffic: readonly VersionTraffic[]): void {
  const issues = traffic.flatMap((t, i) => [
    ...(UUID.test(t.id) ? [] : [{ path: `traffic[${i}].id`, message: `"${t.id}" is not a Worker version id` }]),
    ...(Number.isFinite(t.percentage) && t.percentage >= 0 && t.percentage <= 100
      ? []
      : [{ path: `traffic[${i}].percentage`, message: `${t.percentage} is not between 0 and 100` }]),
  ]);
  const total = traffic.reduce((s, t) => s + t.percentage, 0);
  if (traffic.length === 0 || traffic.length > 2 || Math.abs(total - 100) > 1e-6 || issues.length > 0) {
    throw new EdgeMlError(
      "ERR_USAGE",
      `a traffic split needs one or two versions whose percentages add up to 100 (got ${traffic.map((t) => `${t.id}@${t.percentage}%`).join(" ") || "none"})`,
      {
        issues,
        hint: "e.g. 90% to the champion's version and 10% to the challenger's",
      },
    );
  }
}

/** Send traffic to versions: `wrangler versions deploy <id>@<p>% ... --yes`; resolves once the API accepted it. */
export async function deployVersions(c: WorkerCommand & { traffic: readonly VersionTraffic[]; message: string }): Promise<{ deploymentId?: string }> {
  checkTraffic(c.traffic);
  const args = ["versions", "deploy", ...c.traffic.map((t) => `${t.id}@${t.percentage}%`), ...scope(c), "--message", c.message, "--yes"];
  const run = await wrangler(c, args, `wrangler versions deploy to Worker "${c.worker}"`);
  const deploymentId = run.events.find((e) => e.type === "version-deploy")?.deployment_id;
  return deploymentId ? { deploymentId } : {};
}

interface ListedDeployment {
  created_on?: string;
  versions?: { version_id: string; percentage: number }[];
}

/** The versions serving the Worker now, with their percentages (newest deployment of `wrangler deployments list --json`). */
export async function currentTraffic(c: WorkerCommand): Promise<VersionTraffic[]> {
  const args = ["deployments", "list", ...scope(c), "--json"];
  const run = await wrangler(c, args, `wrangler deployments list of Worker "${c.worker}"`);
  // The JSON is the whole stdout, but the banner may come first: read from the first "[".
  let list: ListedDeployment[];
  try {
    list = JSON.parse(run.output.slice(run.output.indexOf("["))) as ListedDeployment[];
  } catch {
    throw new EdgeMlError("ERR_INTERNAL", `wrangler deployments list of Worker "${c.worker}" printed no JSON list`, {
      hint: `run \`npx wrangler deployments list --name ${c.worker}\` to see what it says`,
    });
  }
  // wrangler lists oldest first today; pick the newest by date so an order change cannot flip champion and challenger.
  const newest = [...list].sort((a, b) => (a.created_on ?? "").localeCompare(b.created_on ?? "")).at(-1);
  return (newest?.versions ?? []).map((v) => ({ id: v.version_id, percentage: v.percentage }));
}

/** What a gradual deploy would do, for `--dry-run`: both versions uploaded with their arm, then one split. */
export function gradualPlan(p: { champion: string; challenger: string; worker: string; percentage: number }): string {
  return [
    `would upload ${p.champion} (EDGE_ML_ROLLOUT_ARM=champion) and ${p.challenger} (EDGE_ML_ROLLOUT_ARM=challenger) as new versions of Worker ${p.worker}`,
    `then deploy <${p.champion}>@${100 - p.percentage}% <${p.challenger}>@${p.percentage}%`,
    "clients stick by the Cloudflare-Workers-Version-Key header",
  ].join("; ");
}
