/**
 * `edge-ml monitor deploy [--dry-run]`: build the monitor Worker and run `wrangler deploy` from its folder (the same
 * runner the model deploy uses: the project's own wrangler if it has one, credentials from `wrangler login` or
 * CLOUDFLARE_API_TOKEN). `--dry-run` is wrangler's offline dry run: it prints the upload size and the bindings (the
 * D1 database, the window var) and uploads nothing. After a real deploy the admin token is set once as a secret.
 *
 * @example
 * ```ts
 * const r = await deployMonitorWorker({ outDir: "dist/monitor-worker", dryRun: true });
 * r.upload; // "Total Upload: 160.12 KiB / gzip: 38.40 KiB"
 * ```
 */
import { basename, dirname, join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { isAuthFailure, runWrangler, wranglerDeployArgs, wranglerErrors } from "../../targets/worker/wrangler.ts";
import { buildMonitorWorker, type MonitorBuild, type MonitorBuildOptions } from "./build.ts";

export interface MonitorDeployOptions extends MonitorBuildOptions {
  dryRun: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  /** wrangler's output as it arrives. */
  onOutput?: (chunk: string) => void;
  /** The user's project, whose own wrangler is preferred. */
  projectRoot?: string;
}

export interface MonitorDeployResult {
  build: MonitorBuild;
  dryRun: boolean;
  /** wrangler's "Total Upload: ..." line. */
  upload?: string;
  /** The bindings wrangler listed (e.g. `env.DB (edge-ml-monitor)  D1 Database`). */
  bindings: string[];
  /** Where the deployed Worker answers (real deploys). */
  url?: string;
}

/** The binding lines of wrangler's "Your Worker has access to the following bindings" table. */
function bindingLines(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^env\.\w+/.test(l))
    .map((l) => l.replace(/\s{2,}/g, "  "));
}

export async function deployMonitorWorker(opts: MonitorDeployOptions): Promise<MonitorDeployResult> {
  const build = await buildMonitorWorker(opts);
  const env = opts.env ?? process.env;
  const args = wranglerDeployArgs({
    name: build.name,
    routes: [],
    vars: {},
    dryRun: opts.dryRun,
    outDir: join(dirname(build.outDir), `${basename(build.outDir)}.dry-run`),
    message: "edge-ml monitor deploy",
  });
  const run = await runWrangler(build.outDir, args, {
    env,
    ...(opts.projectRoot ? { projectRoot: opts.projectRoot } : {}),
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
  });
  if (run.code !== 0) {
    if (isAuthFailure(run.output)) {
      throw new EdgeMlError("ERR_USAGE", "wrangler has no Cloudflare credentials to deploy the monitor with", {
        hint: "run `npx wrangler login` once on this machine, or export CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID; check the bundle first with --dry-run",
      });
    }
    const errors = wranglerErrors(run.output);
    throw new EdgeMlError(
      "ERR_DEPLOY_FAILED",
      `wrangler deploy of the monitor Worker "${build.name}"${opts.dryRun ? " (dry run)" : ""} failed${run.timedOut ? " (timed out)" : ` (wrangler exit ${run.code})`}`,
      {
        issues: (errors.length > 0 ? errors : run.output.trim().split("\n").slice(-12)).map((message) => ({ path: "wrangler", message: message.trim() })),
        hint: `see wrangler's output above; \`cd ${build.outDir} && npx wrangler deploy${opts.dryRun ? " --dry-run" : ""}\` reproduces it`,
      },
    );
  }
  const upload = /Total Upload:[^\n]*/.exec(run.output)?.[0];
  const targets = run.events.find((e) => e.type === "deploy")?.targets ?? [];
  const url = opts.dryRun ? undefined : (targets.find((t) => t.startsWith("https://")) ?? /https:\/\/\S+\.workers\.dev\S*/.exec(run.output)?.[0]);
  return { build, dryRun: opts.dryRun, bindings: bindingLines(run.output), ...(upload ? { upload } : {}), ...(url ? { url } : {}) };
}
