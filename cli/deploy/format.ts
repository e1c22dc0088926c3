/**
 * `edge-ml deploy`'s (and `rollout promote|rollback`'s) terminal output: what went out (or would): model and sha256, Worker name, routes, vars, every
 * file with its raw and gzip size, the build against the platform's limits (measured start-up and memory), and the
 * feature views written to their stores (`formatFeatures`, also used by `features push --remote`).
 *
 * @example
 * ```ts
 * console.log(formatDeploy(result, "dist/titanic-1.0.0-worker"));
 * ```
 */
import type { DeployResult } from "./deploy.ts";
import type { FeatureStorePush } from "./feature-push.ts";
import { dim, formatBytes, green, yellow } from "../terminal/output.ts";
import { formatLimits } from "../build/limits-report.ts";

/** `next` replaces the dry run's closing suggestion (`rollout promote|rollback` name their own command). */
export function formatDeploy(r: DeployResult, outShown: string, next?: string): string {
  const ref = `${r.model.name}@${r.model.version}`;
  const lines = [
    r.dryRun
      ? `${green("✔")} dry run: ${ref} would deploy to Worker "${r.worker}" (nothing uploaded)`
      : r.gradual
        ? `${green("✔")} ${ref} serves ${r.gradual.challenger.percentage}% of Worker "${r.worker}" beside the champion ${r.gradual.champion.version} (${r.gradual.champion.percentage}%)`
        : `${green("✔")} deployed ${ref} to Worker "${r.worker}"${r.url ? ` → ${r.url}` : ""}`,
    `  model    ${ref}  sha256 ${r.model.sha256}`,
    `  gate     ${r.forced ? yellow(r.gate) : r.gate}`,
    `  worker   ${r.worker}${r.environment ? `  (environment ${r.environment})` : ""}`,
    `  routes   ${r.routes.length > 0 ? r.routes.join(", ") : "(none: served on workers.dev)"}`,
    `  vars     ${
      Object.entries(r.vars)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ") || "(none)"
    }`,
    `  files    (${outShown})`,
    ...r.files.map((f) => `    ${f.path.padEnd(30)} ${formatBytes(f.bytes).padStart(10)}  (gzip ${formatBytes(f.gzipBytes)})`),
    `    ${"total".padEnd(30)} ${formatBytes(r.totalBytes).padStart(10)}  (gzip ${formatBytes(r.totalGzipBytes)})`,
    ...formatLimits(r, r.measurement, r.limits),
  ];
  // A variant is served as <version>+<variant> (cli/registry/variant.ts).
  const [base, variant] = r.model.version.split("+") as [string, string | undefined];
  lines.push(...formatFeatures(r.features));
  if (r.upload) lines.push(dim(`  wrangler: ${r.upload}`));
  if (r.gradual) {
    const side = (s: { version: string; versionId?: string; percentage: number }) => `${s.version}@${s.percentage}% (version ${s.versionId ?? "?"})`;
    lines.push(`  split    ${side(r.gradual.champion)}  ${side(r.gradual.challenger)}; sticky by Cloudflare-Workers-Version-Key`);
  }
  if (r.monitor?.status === "registered") lines.push(`  monitor  ${r.monitor.message}`);
  for (const w of r.warnings) lines.push(`${yellow("!")} ${w}`);
  lines.push(
    dim(
      r.dryRun && next !== undefined
        ? `next: ${next}`
        : r.dryRun
          ? `next: npx edge-ml deploy ${r.model.name}@${base}${variant ? ` --variant ${variant}` : ""}${r.environment ? ` --env ${r.environment}` : ""}   (needs \`npx wrangler login\` or CLOUDFLARE_API_TOKEN; moves the champion alias)`
          : r.gradual
            ? `champion stays ${r.gradual.champion.version}; next: npx edge-ml rollout promote ${r.model.name} (100% ${base}) or rollout rollback ${r.model.name} --to ${r.gradual.champion.version}; logged in deploys.log.jsonl`
            : r.action !== "deploy"
              ? `champion ${r.from ?? "(none)"} → ${base} (${r.action} by ${r.who}); logged in deploys.log.jsonl`
              : `champion → ${base}${variant ? ` (serving its variant ${variant})` : ""}; logged in deploys.log.jsonl`,
    ),
  );
  return lines.join("\n");
}

/** One line per feature view written to (or, in a dry run, that would be written to) its Cloudflare store. */
export function formatFeatures(push: FeatureStorePush | undefined, label = "features"): string[] {
  if (push === undefined) return [];
  const n = (x: number) => x.toLocaleString("en-US");
  return push.views.flatMap((v, i) => [
    `  ${(i === 0 ? label : "").padEnd(8)} ${v.view} → ${v.store === "kv" ? `KV ${v.binding} (namespace ${v.destination})` : `D1 ${v.binding} (database ${v.destination})`}: ${push.dryRun ? "would write " : ""}${n(v.keys)} keys, ${formatBytes(v.bytes)} in ${n(v.files)} file${v.files === 1 ? "" : "s"}${v.ttl ? `, ttl ${v.ttl}` : ""}`,
    ...(v.samples.length > 0 ? [dim(`           e.g. ${v.samples.join(", ")}`)] : []),
    ...(v.expired > 0 ? [dim(`           left out ${n(v.expired)} keys already past the ttl`)] : []),
  ]);
}
