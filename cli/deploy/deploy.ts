/**
 * `edge-ml deploy`: gate ▶ build ▶ the target's deploy (targets/<name>/deploy.ts; Workers: wrangler) ▶ register with
 * the monitor ▶ move `champion`, with every attempt appended to deploys.log.jsonl.
 *
 * The gate refuses a version without a blessed validation result (gate.ts) unless forced with a reason. A dry run
 * builds and runs the target's dry run (Workers: `wrangler deploy --dry-run --outdir`, offline) and stops there: no
 * upload, no monitor registration, no alias move. Credentials are the platform CLI's own (Workers: `wrangler login`
 * or CLOUDFLARE_API_TOKEN); the target turns their absence into a user error with the fix. One deployed name per
 * model (and environment, `--env`) comes from the target (`workerName`) and is what the build's wrangler.toml says.
 * `edge-ml rollout promote|rollback` (cli/rollout/) ship through here too, with their `action` and `alone` (the build
 * carries no challenger), so the gate, the alias rule and the log are the same for every way a version goes out.
 *
 * @example
 * ```ts
 * const r = await deploy({ root, ref: "titanic@1.0.0", target: "worker", dryRun: true });
 * r.files; // [{ path: "worker.js", bytes, gzipBytes, type }, ...]
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { DEPLOYABLE_TARGETS, getTarget, type TargetName } from "../../targets/index.ts";
import { scopedSettings, withEnvironment } from "../../targets/config.ts";
import type { LimitFinding, PlatformLimits } from "../../core/platform-limits.ts";
import type { BuiltFile } from "../../targets/types.ts";
import { buildTarget, targetConfig } from "../build/bundle.ts";
import { assessBuild } from "../build/limits-report.ts";
import type { WorkerMeasurement } from "../build/measure.ts";
import { loadConfig } from "../project/config.ts";
import { deployGate } from "./gate.ts";
import { limitsError, limitsSummary } from "./limits.ts";
import { appendDeployLog, type DeployAction, type DeployLogEntry, deployer } from "./log.ts";
import { deploymentRegistration, registerDeployment, type RegistrationResult } from "./monitor.ts";
import { gitState } from "../project/git.ts";
import { type GradualSplit, shipGradual } from "./gradual.ts";
import { type FeatureStorePush, pushFeatureStores } from "./feature-push.ts";
import { featureStoreIds, featureStoresKey, featureStoresRead, missingFeatureStores } from "../../targets/worker/feature-bindings.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { gradualPlan } from "./versions.ts";
import { CHAMPION } from "../model-validate/validate.ts";
import { readAliases, readManifest, setAlias } from "../registry/registry.ts";
import { loadServable } from "../registry/variant.ts";
import { configuredRollout } from "../dev/rollout.ts";
import type { EngineChoice } from "../commands/spec/build.ts";

/** Targets `deploy` ships (the registry's); other build targets are built with `edge-ml build` and hosted as you like. */
export const DEPLOY_TARGETS = DEPLOYABLE_TARGETS;

export interface DeployOptions {
  root: string;
  ref: string;
  target: TargetName;
  dryRun: boolean;
  force?: boolean;
  reason?: string;
  /** Build folder (default dist/<name>-<version>-<target>). */
  out?: string;
  /** Deploy this optimized variant (`edge-ml optimize`); the gate reads the variant's own validation. */
  variant?: string;
  /** Which engine the build bundles (`--engine`; default auto). */
  engine?: EngineChoice;
  /** Measure a worker build's start-up and memory in workerd before shipping it (default true; sizes are checked either way). */
  measure?: boolean;
  /** The platform limits the build is held to (default Cloudflare Workers'); tests lower them. */
  limits?: PlatformLimits;
  /** A platform environment (wrangler's `--env`): its own Worker name, routes and vars (`targets.worker.env.<name>`). */
  environment?: string;
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  /** Progress for the terminal: each step as it starts, and wrangler's output as it arrives. */
  onStep?: (step: string) => void;
  onOutput?: (chunk: string) => void;
  /** What the attempt is for, in the log and the messages (default "deploy"; `rollout promote|rollback` pass theirs). */
  action?: DeployAction;
  /** Serve the version alone: no challenger, even when it is the champion and the config has a rollout (promote, rollback). */
  alone?: boolean;
  /**
   * Share the traffic with the champion by the platform (Cloudflare gradual deployments, cli/deploy/gradual.ts): the
   * challenger's percentage, 0-100 exclusive. The champion alias stays; `rollout promote` moves it.
   */
  gradual?: number;
  /** The command that overrides a refused gate, for the hint (default `npx edge-ml deploy <ref> --force --reason "<why>"`). */
  forceHint?: string;
}

export interface DeployResult {
  model: { name: string; version: string; sha256: string };
  worker: string;
  environment?: string;
  routes: string[];
  /** Every var the Worker gets: the build's wrangler.toml [vars], overridden by the config's (passed as --var). */
  vars: Record<string, string>;
  files: BuiltFile[];
  totalBytes: number;
  totalGzipBytes: number;
  outDir: string;
  dryRun: boolean;
  forced: boolean;
  gate: string;
  /** What the attempt was for, and the champion before it (null: none); after a real deploy the champion is `model.version`'s base. */
  action: DeployAction;
  from: string | null;
  /** Who ran it (the deploy log's `who`). */
  who: string;
  /** wrangler's "Total Upload: ..." line, and the URL it printed for a real deploy. */
  upload?: string;
  url?: string;
  monitor?: RegistrationResult;
  /** A platform split (`--gradual`): each side's version, uploaded Worker version and percentage. */
  gradual?: GradualSplit;
  /** The build's start-up and memory in workerd (worker builds, unless not measured). */
  measurement?: WorkerMeasurement;
  /** Limits the build comes close to or exceeds (a forced deploy ships past errors). */
  limits: LimitFinding[];
  /** Feature views the model reads, written to their Cloudflare stores before the version went live (a dry run: what would be). */
  features?: FeatureStorePush;
  warnings: string[];
}

/** A `[vars]` table of the wrangler.toml `build` wrote (flat `KEY = "value"` lines; edge-ml writes it that way). */
export function tomlVars(toml: string, environment?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const header = environment === undefined ? "[vars]" : `[env.${environment}.vars]`;
  let inVars = false;
  for (const line of toml.split("\n")) {
    const t = line.trim();
    if (t.startsWith("[")) inVars = t === header;
    const m = inVars ? /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(t) : null;
    if (m) out[m[1] as string] = JSON.parse(m[2] as string) as string;
  }
  return out;
}

/** The vars the build itself sets (Workers: its wrangler.toml), which deploy's own vars override. */
function builtVars(outDir: string, environment: string | undefined): Record<string, string> {
  const toml = join(outDir, "wrangler.toml");
  return existsSync(toml) ? tomlVars(readFileSync(toml, "utf8"), environment) : {};
}

/** Vars for the Worker: telemetry settings from the config (the token stays a secret), then the user's vars. */
function edgeVars(config: Awaited<ReturnType<typeof loadConfig>>, worker: string, own: Readonly<Record<string, string>>): Record<string, string> {
  const t = config.telemetry;
  const telemetry = t
    ? {
        EDGE_ML_MONITOR_URL: t.endpoint,
        EDGE_ML_SAMPLE_RATE: String(t.sampleRate),
        EDGE_ML_DEPLOYMENT: worker,
        ...(t.redact.length > 0 ? { EDGE_ML_REDACT: t.redact.join(",") } : {}),
      }
    : {};
  return { ...telemetry, ...own };
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const env = opts.env ?? process.env;
  const config = await loadConfig(opts.root);
  // With a rollout configured, a plain name means the champion (as the build serves it), not the highest version.
  const alone = opts.alone === true || opts.gradual !== undefined;
  const served = alone ? opts.ref : (await configuredRollout(opts.root, opts.ref)).ref;
  const { manifest, ref } = loadServable(opts.root, served, opts.variant);
  const target = getTarget(opts.target, "deploy");
  const scope = withEnvironment(targetConfig(config, opts.target), opts.environment);
  const worker = target.deploy!.name(manifest.name, scope, opts.environment);
  const forced = opts.force === true;
  const gate = deployGate(manifest);
  const action = opts.action ?? "deploy";
  const who = deployer(opts.root, env);
  const from = readAliases(opts.root, ref.name)[CHAMPION] ?? null;
  const log = (entry: Pick<DeployLogEntry, "result"> & Partial<DeployLogEntry>) =>
    appendDeployLog(opts.root, {
      time: new Date().toISOString(),
      action,
      who,
      model: ref.name,
      version: manifest.version,
      sha256: manifest.artifact.sha256,
      target: opts.target,
      worker,
      ...(opts.environment ? { environment: opts.environment } : {}),
      from,
      dryRun: opts.dryRun,
      forced,
      reason: opts.reason ?? null,
      gate: gate.ok ? "blessed" : gate.summary,
      git: gitState(opts.root),
      ...entry,
    });

  // A gradual deploy shares the traffic with this champion (the checks make sure there is one).
  const splitWith = opts.gradual === undefined ? undefined : gradualChampion(opts, ref.name, manifest.version, from);
  if (!gate.ok && !forced) {
    log({ result: "refused", error: `not deployable: ${gate.summary}` });
    const verb = action === "promote" ? "promoted" : action === "rollback" ? "rolled back to" : "deployed";
    const anyway = opts.forceHint ?? `deploy anyway with --force --reason "<why>"`;
    throw new EdgeMlError("ERR_GATE_FAILED", `${ref.name}@${manifest.version} cannot be ${verb}: ${gate.summary}`, {
      issues: gate.reasons,
      hint: `run \`npx edge-ml validate ${ref.name}@${ref.version}${opts.variant ? ` --variant ${opts.variant}` : ""}${manifest.features ? " --data <eval.csv>" : ""}\`${manifest.features ? "" : " (on its stored samples, or --samples <file.jsonl>)"} until it is blessed, or ${anyway} (recorded in deploys.log.jsonl)`,
    });
  }
  const warnings: string[] = [];
  let refused = false;
  try {
    // The stores of the views the model reads must be named before anything is built or uploaded.
    if (opts.target === "worker") featureStoresNamed([manifest], config.featureViews, scope, opts.environment);
    opts.onStep?.(`building ${ref.name}@${manifest.version} for ${opts.target}`);
    const build = await buildTarget({
      root: opts.root,
      ref: `${ref.name}@${ref.version}`,
      target: opts.target,
      settings: config.edge,
      config: scope,
      variant: opts.variant,
      engine: opts.engine,
      ...(opts.out ? { outDir: opts.out } : {}),
      // null: no challenger, whatever the config's rollout says (read by builds that know rollouts).
      ...(alone ? { rollout: null } : {}),
    });
    const challenger = build.challenger ? { challenger: `${build.challenger.name}@${build.challenger.version}` } : {};
    // A canary's challenger answers real users: it passes the same gate (a shadow's answers reach no one).
    const challengerManifest = build.challenger ? readManifest(opts.root, { name: build.challenger.name, version: build.challenger.version }) : undefined;
    const challengerGate = challengerManifest && build.challenger?.rollout.mode === "canary" ? deployGate(challengerManifest) : undefined;
    if (challengerGate && !challengerGate.ok && !forced) {
      refused = true;
      const error = `its canary challenger ${challenger.challenger} is not deployable: ${challengerGate.summary}`;
      log({ result: "refused", ...challenger, error });
      throw new EdgeMlError("ERR_GATE_FAILED", `${ref.name}@${manifest.version} cannot be deployed: ${error}`, {
        issues: challengerGate.reasons,
        hint: `run \`npx edge-ml validate ${challenger.challenger}${manifest.features ? " --data <eval.csv>" : ""}\` until it is blessed, shadow it instead (rollout mode "shadow": no user sees its answers), or deploy anyway with --force --reason "<why>"`,
      });
    }
    opts.onStep?.(
      opts.measure === false ? "checking sizes against the platform's limits" : `measuring ${ref.name}@${manifest.version} against the platform's limits`,
    );
    const { measurement, findings } = await assessBuild(build, {
      ...(opts.measure === undefined ? {} : { measure: opts.measure }),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.onStep ? { onProgress: opts.onStep } : {}),
    });
    const limits = limitsSummary(findings);
    const over = limitsError(`${ref.name}@${manifest.version}`, findings, `${ref.name}@${ref.version}${opts.variant ? ` --variant ${opts.variant}` : ""}`);
    if (over && !forced) {
      refused = true;
      log({ result: "refused", ...challenger, limits, error: `over the platform's limits: ${over.message}` });
      throw over;
    }
    let features: FeatureStorePush | undefined;
    if (opts.target === "worker") {
      // A rollout build's challenger may read other views: both sides' stores are written before either goes live.
      const readers = challengerManifest ? [manifest, challengerManifest] : [manifest];
      const ids = featureStoresNamed(readers, config.featureViews, scope, opts.environment);
      const names = [...new Set(readers.flatMap((m) => Object.values(featureStoresRead(m, config.featureViews)).flat()))];
      if (ids !== undefined && names.length > 0) {
        opts.onStep?.(
          `${opts.dryRun ? "reading" : "writing"} feature view${names.length === 1 ? "" : "s"} ${names.join(", ")}${opts.dryRun ? " (dry run: nothing is written)" : ""}`,
        );
        features = await pushFeatureStores({
          root: opts.root,
          views: names.map((n) => [n, config.featureViews[n]] as const).filter((v): v is [string, NonNullable<(typeof v)[1]>] => v[1] !== undefined),
          ids,
          ...(opts.environment ? { environment: opts.environment } : {}),
          worker,
          dryRun: opts.dryRun,
          env,
          failureNote: "no Worker version went live and the champion alias did not move",
          ...(opts.onStep ? { onStep: opts.onStep } : {}),
          ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
        });
      }
    }
    const scoped = scopedSettings(scope, opts.environment);
    const routes = [...scoped.routes];
    const vars = edgeVars(config, worker, scoped.vars);
    opts.onStep?.(`${opts.target} deploy${opts.dryRun ? " (dry run)" : ""} as "${worker}"`);
    const ship = await target.deploy!.load();
    const message = `edge-ml ${action === "deploy" ? "deploy" : `rollout ${action}`} ${ref.name}@${manifest.version}${opts.gradual !== undefined ? ` at ${opts.gradual}%` : ""}${forced ? ` (forced: ${opts.reason ?? ""})` : ""}`;
    // A gradual deploy's dry run is the challenger's own (offline) dry run, plus the plan.
    const { upload, url } =
      opts.gradual !== undefined && !opts.dryRun
        ? {}
        : await ship({
            root: opts.root,
            build,
            manifest,
            name: worker,
            ...(opts.environment ? { environment: opts.environment } : {}),
            routes,
            vars,
            dryRun: opts.dryRun,
            message,
            env,
            ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
          });
    let gradual: GradualSplit | undefined;
    if (opts.gradual !== undefined && splitWith !== undefined) {
      if (opts.dryRun) {
        warnings.push(gradualPlan({ champion: `${ref.name}@${splitWith}`, challenger: `${ref.name}@${manifest.version}`, worker, percentage: opts.gradual }));
      } else {
        opts.onStep?.(`building the champion ${ref.name}@${splitWith} to serve beside it`);
        const championBuild = await buildTarget({
          root: opts.root,
          ref: `${ref.name}@${splitWith}`,
          target: opts.target,
          settings: config.edge,
          config: scope,
          engine: opts.engine,
          outDir: `${build.outDir}-champion`,
          rollout: null,
        });
        gradual = await shipGradual({
          root: opts.root,
          worker,
          ...(opts.environment ? { environment: opts.environment } : {}),
          champion: championBuild,
          challenger: build,
          vars,
          percentage: opts.gradual,
          message,
          env,
          ...(opts.onStep ? { onStep: opts.onStep } : {}),
          ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
        });
      }
    }
    let monitor: RegistrationResult | undefined;
    const endpoint = config.telemetry?.endpoint;
    if (!opts.dryRun && endpoint) {
      opts.onStep?.(`registering ${worker} with the monitor`);
      monitor = await registerDeployment(endpoint, deploymentRegistration(manifest, worker, opts.target), env["EDGE_ML_MONITOR_ADMIN_TOKEN"], opts.fetch);
      if (monitor.status !== "registered") warnings.push(monitor.message);
      // The champion of a split was registered when it shipped; a build's challenger is registered beside it.
      if (challengerManifest && monitor.status === "registered") {
        const other = await registerDeployment(
          endpoint,
          deploymentRegistration(challengerManifest, worker, opts.target),
          env["EDGE_ML_MONITOR_ADMIN_TOKEN"],
          opts.fetch,
        );
        if (other.status !== "registered") warnings.push(`challenger ${challenger.challenger}: ${other.message}`);
      }
    }
    // A gradual deploy leaves the champion where it is: the challenger only shares the traffic.
    if (!opts.dryRun && gradual === undefined) setAlias(opts.root, ref.name, CHAMPION, ref.version);
    log({
      result: opts.dryRun ? "dry-run" : "success",
      ...(opts.dryRun ? {} : { to: splitWith ?? ref.version }),
      ...(gradual ? { split: gradual } : {}),
      ...challenger,
      limits: over ? `forced past: ${limits}` : limits,
      monitor: opts.dryRun ? "skipped (dry run)" : (monitor?.status ?? "not configured"),
      ...(features ? { features: features.views.map((v) => `${v.view}: ${v.keys.toLocaleString("en-US")} keys to ${v.store === "kv" ? "KV" : "D1"}`) } : {}),
    });
    return {
      model: build.model,
      worker,
      ...(opts.environment ? { environment: opts.environment } : {}),
      routes,
      vars: { ...builtVars(build.outDir, opts.environment), ...vars },
      files: build.files,
      totalBytes: build.totalBytes,
      totalGzipBytes: build.totalGzipBytes,
      outDir: build.outDir,
      dryRun: opts.dryRun,
      forced,
      gate: gate.ok ? gate.summary : `forced past: ${gate.summary}`,
      action,
      from,
      who,
      ...(measurement ? { measurement } : {}),
      ...(gradual ? { gradual } : {}),
      limits: findings,
      ...(features ? { features } : {}),
      warnings,
      ...(upload ? { upload } : {}),
      ...(url ? { url } : {}),
      ...(monitor ? { monitor } : {}),
    };
  } catch (error) {
    if (!refused) log({ result: "failed", error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

/**
 * The feature store ids of the deployed scope, after checking that every kv / d1 view the manifests read has them:
 * a user error listing the config keys to add and the wrangler commands that create the stores otherwise.
 */
function featureStoresNamed(
  manifests: readonly Pick<Manifest, "features" | "name" | "version">[],
  views: Awaited<ReturnType<typeof loadConfig>>["featureViews"],
  scope: Parameters<typeof featureStoreIds>[0],
  environment: string | undefined,
): ReturnType<typeof featureStoreIds> {
  const ids = featureStoreIds(scope, environment);
  for (const m of manifests) {
    const missing = missingFeatureStores(featureStoresRead(m, views), ids, environment);
    if (missing.length > 0)
      throw new EdgeMlError("ERR_USAGE", `${m.name}@${m.version} reads feature views whose Cloudflare stores edge-ml.config.ts does not name`, {
        issues: missing,
        hint: `add them under ${featureStoresKey(environment)} in edge-ml.config.ts, e.g. { kvNamespaceId: "<id>", d1: { databaseId: "<id>", databaseName: "edge-ml-features" } }, then deploy again (nothing was uploaded)`,
      });
  }
  return ids;
}

/**
 * The champion a gradual deploy shares the traffic with; refused without one, for the champion itself, for a
 * variant, or off the Worker target.
 */
function gradualChampion(opts: DeployOptions, name: string, version: string, champion: string | null): string {
  if (opts.target !== "worker") {
    throw new EdgeMlError("ERR_USAGE", `--gradual splits traffic between Worker versions; target ${opts.target} has no platform split`, {
      hint: `serve both versions from one build instead: models.${name}.rollout in edge-ml.config.ts (canary or shadow), then \`npx edge-ml deploy ${name}\``,
    });
  }
  if (opts.variant !== undefined) {
    throw new EdgeMlError("ERR_USAGE", "--gradual ships registered versions, not an optimized variant", {
      hint: `deploy the variant alone (\`npx edge-ml deploy ${name}@${version} --variant ${opts.variant}\`), or register it as a version`,
    });
  }
  if (champion === null) {
    throw new EdgeMlError("ERR_USAGE", `${name} has no champion to share the traffic with`, {
      hint: `deploy the champion first: npx edge-ml deploy ${name}@<version> (it moves the champion alias)`,
    });
  }
  if (champion === version.split("+")[0]) {
    throw new EdgeMlError("ERR_USAGE", `${name}@${version} already is the champion: a gradual deploy shares the traffic with another version`, {
      hint: `name the challenger: npx edge-ml deploy ${name}@<next version> --gradual 10%`,
    });
  }
  return champion;
}
