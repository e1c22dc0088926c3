/**
 * The Worker's deploy: `wrangler deploy` (or `--dry-run --outdir`, offline) from the build folder, under the model's
 * one Worker name. Credentials are wrangler's own: CLOUDFLARE_API_TOKEN, or a `wrangler login` on this machine;
 * without either, wrangler's refusal becomes a user error that says how to fix it. The gate, the deploy log and the
 * champion alias stay with the CLI (cli/deploy/); this file is only what is specific to Cloudflare. A failure says what the
 * API answered (or that it did not answer in time: `EDGE_ML_WRANGLER_TIMEOUT` seconds, default 300).
 *
 * @example
 * ```ts
 * const outcome = await deploy({ root, build, manifest, name: "titanic", routes: [], vars: {}, dryRun: true, message: "ci", env: process.env });
 * outcome.upload; // "Total Upload: 14025.31 KiB / gzip: 3648.12 KiB"
 * ```
 */
import { basename, dirname, join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { DeployOutcome, DeployRequest } from "../types.ts";
import { isAuthFailure, runWrangler, type WranglerRun, wranglerDeployArgs, wranglerErrors, wranglerTimeoutMs } from "./wrangler.ts";

/**
 * Why a wrangler command that talks to Cloudflare did not succeed, as a user error: the API's own message when it
 * answered (wrangler prints it as `message [code: N]`), a timeout said as such (the upload may or may not have been
 * accepted), else the tail of wrangler's output; with what did not happen and how to reproduce it.
 */
export function wranglerFailure(run: WranglerRun, what: string, opts: { cwd: string; reproduce: string; timeoutMs?: number }): EdgeMlError {
  const reproduce = `\`cd ${opts.cwd} && npx wrangler ${opts.reproduce}\` reproduces it`;
  if (run.timedOut) {
    const seconds = Math.round((opts.timeoutMs ?? 300_000) / 1000);
    return new EdgeMlError("ERR_DEPLOY_FAILED", `${what} timed out: wrangler had no answer from the Cloudflare API after ${seconds} s and was stopped`, {
      hint: `the champion alias did not move; Cloudflare may or may not have received the upload: check with \`npx wrangler deployments list --name <worker>\`, then deploy again (EDGE_ML_WRANGLER_TIMEOUT=<seconds> waits longer); ${reproduce}`,
    });
  }
  const errors = wranglerErrors(run.output);
  const lines =
    errors.length > 0
      ? errors
      : run.output
          .trim()
          .split("\n")
          .filter((l) => l.trim() !== "")
          .slice(-12)
          .map((l) => l.trim());
  const api = errors.find((l) => /\[code: \d+\]/.test(l));
  return new EdgeMlError("ERR_DEPLOY_FAILED", `${what} failed${api ? `: the Cloudflare API answered "${api}"` : ` (wrangler exit ${run.code})`}`, {
    issues: lines.map((line) => ({ path: "wrangler", message: line })),
    hint: `nothing was deployed and the champion alias did not move; see wrangler's output above, fix the cause and deploy again; ${reproduce}`,
  });
}

export async function deploy(req: DeployRequest): Promise<DeployOutcome> {
  const { build } = req;
  const args = wranglerDeployArgs({
    name: req.name,
    ...(req.environment ? { environment: req.environment } : {}),
    routes: req.routes,
    vars: req.vars,
    dryRun: req.dryRun,
    outDir: join(dirname(build.outDir), `${basename(build.outDir)}.dry-run`),
    message: req.message,
  });
  const run = await runWrangler(build.outDir, args, { env: req.env, projectRoot: req.root, ...(req.onOutput ? { onOutput: req.onOutput } : {}) });
  if (run.code !== 0) {
    if (isAuthFailure(run.output)) {
      throw new EdgeMlError("ERR_USAGE", "wrangler has no Cloudflare credentials to deploy with", {
        hint: 'run `npx wrangler login` once on this machine, or export CLOUDFLARE_API_TOKEN (a token from the "Edit Cloudflare Workers" template, dash.cloudflare.com/profile/api-tokens) and CLOUDFLARE_ACCOUNT_ID; check the bundle first with --dry-run',
      });
    }
    throw wranglerFailure(run, `wrangler deploy of Worker "${req.name}"${req.dryRun ? " (dry run)" : ""}`, {
      cwd: build.outDir,
      reproduce: `deploy${req.environment ? ` --env ${req.environment}` : ""}${req.dryRun ? " --dry-run" : ""}`,
      timeoutMs: wranglerTimeoutMs(req.env),
    });
  }
  const upload = /Total Upload:[^\n]*/.exec(run.output)?.[0];
  // wrangler's structured output names the URLs it deployed to; its printed output is the fallback.
  const targets = run.events.find((e) => e.type === "deploy")?.targets ?? [];
  const url = req.dryRun ? undefined : (targets.find((t) => t.startsWith("https://")) ?? /https:\/\/\S+\.workers\.dev\S*/.exec(run.output)?.[0]);
  return { ...(upload ? { upload } : {}), ...(url ? { url } : {}) };
}
