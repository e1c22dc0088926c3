/**
 * The Worker's deploy: `wrangler deploy` (or `--dry-run --outdir`, offline) from the build folder, under the model's
 * one Worker name. Credentials are wrangler's own: CLOUDFLARE_API_TOKEN, or a `wrangler login` on this machine;
 * without either, wrangler's refusal becomes a user error that says how to fix it. The gate, the deploy log and the
 * champion alias stay with the CLI (cli/deploy/); this file is only what is specific to Cloudflare.
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
import { isAuthFailure, runWrangler, wranglerDeployArgs } from "./wrangler.ts";

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
    const tail = run.output
      .trim()
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-12);
    throw new EdgeMlError("ERR_BAD_CONFIG", `wrangler deploy failed (exit ${run.code})`, {
      issues: tail.map((line) => ({ path: "wrangler", message: line.trim() })),
      hint: `see wrangler's output above; the build is in ${build.outDir} (\`cd ${build.outDir} && npx wrangler deploy${req.environment ? ` --env ${req.environment}` : ""}\` reproduces it)`,
    });
  }
  const upload = /Total Upload:[^\n]*/.exec(run.output)?.[0];
  const url = req.dryRun ? undefined : /https:\/\/\S+\.workers\.dev\S*/.exec(run.output)?.[0];
  return { ...(upload ? { upload } : {}), ...(url ? { url } : {}) };
}
