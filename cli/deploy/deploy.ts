/**
 * `edge-ml deploy`: gate ▶ build ▶ wrangler deploy ▶ register with the monitor ▶ move `champion`, with every attempt
 * appended to deploys.log.jsonl.
 *
 * The gate refuses a version without a blessed validation result (deploy-gate.ts) unless forced with a reason. A dry
 * run builds and runs `wrangler deploy --dry-run --outdir` (wrangler checks and bundles the upload, offline) and stops
 * there: no upload, no monitor registration, no alias move. A real deploy needs CLOUDFLARE_API_TOKEN; without it the
 * command stops before building, with a hint, instead of surfacing wrangler's login flow.
 *
 * @example
 * ```ts
 * const r = await deploy({ root, ref: "titanic@1.0.0", target: "worker", dryRun: true });
 * r.files; // [{ path: "worker.js", bytes, gzipBytes, type }, ...]
 * ```
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { buildTarget, type BuiltFile } from "../build/bundle.ts";
import { loadConfig } from "../project/config.ts";
import { deployGate } from "./gate.ts";
import { appendDeployLog, type DeployLogEntry } from "./log.ts";
import { registerDeployment, type RegistrationResult } from "./monitor.ts";
import { runWrangler, wranglerDeployArgs } from "./wrangler.ts";
import { gitState } from "../project/git.ts";
import { CHAMPION } from "../model-validate/validate.ts";
import { loadModel, setAlias } from "../registry/registry.ts";

/** Targets `deploy` ships (wrangler); other build targets (deno, browser) are built with `edge-ml build` and hosted as you like. */
export const DEPLOY_TARGETS = ["worker"] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

export interface DeployOptions {
  root: string;
  ref: string;
  target: DeployTarget;
  dryRun: boolean;
  force?: boolean;
  reason?: string;
  /** Build folder (default dist/<name>-<version>-<target>). */
  out?: string;
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  /** Progress for the terminal: each step as it starts, and wrangler's output as it arrives. */
  onStep?: (step: string) => void;
  onOutput?: (chunk: string) => void;
}

export interface DeployResult {
  model: { name: string; version: string; sha256: string };
  worker: string;
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
  /** wrangler's "Total Upload: ..." line, and the URL it printed for a real deploy. */
  upload?: string;
  url?: string;
  monitor?: RegistrationResult;
  warnings: string[];
}

/** The `[vars]` table of the wrangler.toml `build` wrote (flat `KEY = "value"` lines; edge-ml writes it that way). */
export function tomlVars(toml: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inVars = false;
  for (const line of toml.split("\n")) {
    const t = line.trim();
    if (t.startsWith("[")) inVars = t === "[vars]";
    const m = inVars ? /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(t) : null;
    if (m) out[m[1] as string] = JSON.parse(m[2] as string) as string;
  }
  return out;
}

/** Vars for the Worker: telemetry settings from the config (the token stays a secret), then the user's vars. */
function workerVars(config: Awaited<ReturnType<typeof loadConfig>>, worker: string): Record<string, string> {
  const t = config.telemetry;
  const telemetry = t
    ? {
        EDGE_ML_MONITOR_URL: t.endpoint,
        EDGE_ML_SAMPLE_RATE: String(t.sampleRate),
        EDGE_ML_DEPLOYMENT: worker,
        ...(t.redact.length > 0 ? { EDGE_ML_REDACT: t.redact.join(",") } : {}),
      }
    : {};
  return { ...telemetry, ...(config.targets.worker?.vars ?? {}) };
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const env = opts.env ?? process.env;
  const config = await loadConfig(opts.root);
  const { manifest, ref } = loadModel(opts.root, opts.ref);
  const worker = config.targets.worker?.name ?? manifest.name;
  const forced = opts.force === true;
  const gate = deployGate(manifest);
  const log = (entry: Pick<DeployLogEntry, "result"> & Partial<DeployLogEntry>) =>
    appendDeployLog(opts.root, {
      time: new Date().toISOString(),
      model: ref.name,
      version: ref.version,
      sha256: manifest.artifact.sha256,
      target: opts.target,
      worker,
      dryRun: opts.dryRun,
      forced,
      reason: opts.reason ?? null,
      gate: gate.ok ? "blessed" : gate.summary,
      git: gitState(opts.root),
      ...entry,
    });

  if (!gate.ok && !forced) {
    log({ result: "refused", error: `not deployable: ${gate.summary}` });
    throw new EdgeMlError("ERR_GATE_FAILED", `${ref.name}@${ref.version} cannot be deployed: ${gate.summary}`, {
      issues: gate.reasons,
      hint: `run \`npx edge-ml validate ${ref.name}@${ref.version} --data <eval.csv>\` until it is blessed, or deploy anyway with --force --reason "<why>" (recorded in deploys.log.jsonl)`,
    });
  }
  if (!opts.dryRun && !env["CLOUDFLARE_API_TOKEN"]) {
    log({ result: "failed", error: "CLOUDFLARE_API_TOKEN is not set" });
    throw new EdgeMlError("ERR_USAGE", "deploying to Cloudflare needs an API token: CLOUDFLARE_API_TOKEN is not set", {
      hint: 'create a token with the "Edit Cloudflare Workers" template (dash.cloudflare.com/profile/api-tokens), export CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID), or check the bundle first with --dry-run',
    });
  }

  const warnings: string[] = [];
  try {
    opts.onStep?.(`building ${ref.name}@${ref.version} for ${opts.target}`);
    const build = await buildTarget({
      root: opts.root,
      ref: `${ref.name}@${ref.version}`,
      target: opts.target,
      settings: config.edge,
      ...(opts.out ? { outDir: opts.out } : {}),
    });
    const routes = config.targets.worker?.routes ?? [];
    const vars = workerVars(config, worker);
    const uploadDir = join(dirname(build.outDir), `${basename(build.outDir)}.dry-run`);
    const args = wranglerDeployArgs({
      name: worker,
      routes,
      vars,
      dryRun: opts.dryRun,
      outDir: uploadDir,
      message: `edge-ml deploy ${ref.name}@${ref.version}${forced ? ` (forced: ${opts.reason ?? ""})` : ""}`,
    });
    opts.onStep?.(`wrangler deploy${opts.dryRun ? " --dry-run" : ""} (Worker "${worker}")`);
    const run = await runWrangler(build.outDir, args, env, undefined, opts.onOutput);
    if (run.code !== 0) {
      const tail = run.output
        .trim()
        .split("\n")
        .filter((l) => l.trim() !== "")
        .slice(-12);
      throw new EdgeMlError("ERR_BAD_CONFIG", `wrangler deploy failed (exit ${run.code})`, {
        issues: tail.map((line) => ({ path: "wrangler", message: line.trim() })),
        hint: `see wrangler's output above; the build is in ${build.outDir} (\`cd ${build.outDir} && npx wrangler deploy\` reproduces it)`,
      });
    }
    const upload = /Total Upload:[^\n]*/.exec(run.output)?.[0];
    const url = opts.dryRun ? undefined : /https:\/\/\S+\.workers\.dev\S*/.exec(run.output)?.[0];
    let monitor: RegistrationResult | undefined;
    const endpoint = config.telemetry?.endpoint;
    if (!opts.dryRun && endpoint) {
      opts.onStep?.(`registering ${worker} with the monitor`);
      monitor = await registerDeployment(
        endpoint,
        { deployment: worker, model: ref.name, version: ref.version, baseline: manifest.baseline ?? null, target: opts.target },
        env["EDGE_ML_MONITOR_ADMIN_TOKEN"],
        opts.fetch,
      );
      if (monitor.status !== "registered") warnings.push(monitor.message);
    }
    if (!opts.dryRun) setAlias(opts.root, ref.name, CHAMPION, ref.version);
    log({ result: opts.dryRun ? "dry-run" : "success", monitor: opts.dryRun ? "skipped (dry run)" : (monitor?.status ?? "not configured") });
    return {
      model: build.model,
      worker,
      routes,
      vars: { ...tomlVars(readFileSync(join(build.outDir, "wrangler.toml"), "utf8")), ...vars },
      files: build.files,
      totalBytes: build.totalBytes,
      totalGzipBytes: build.totalGzipBytes,
      outDir: build.outDir,
      dryRun: opts.dryRun,
      forced,
      gate: gate.ok ? gate.summary : `forced past: ${gate.summary}`,
      warnings,
      ...(upload ? { upload } : {}),
      ...(url ? { url } : {}),
      ...(monitor ? { monitor } : {}),
    };
  } catch (error) {
    log({ result: "failed", error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
