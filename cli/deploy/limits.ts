/**
 * The platform's limits as a deploy gate: a build over one of Cloudflare's limits (core/platform-limits.ts, measured
 * by `assessBuild`) is refused before wrangler uploads it, unless forced with a reason; what was found goes to the
 * deploy log either way.
 *
 * @example
 * ```ts
 * const { findings } = await assessBuild(build);
 * const error = limitsError("titanic@1.0.0", findings, "titanic@1.0.0"); // EdgeMlError, or undefined within limits
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { LimitFinding } from "../../core/platform-limits.ts";

/** One line for the deploy log: "within limits", or the warnings / errors found. */
export function limitsSummary(findings: readonly LimitFinding[]): string {
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length > 0) return `exceeded: ${errors.map((f) => f.message).join("; ")}`;
  return findings.length > 0 ? `close: ${findings.map((f) => f.message).join("; ")}` : "within limits";
}

/** The refusal for a build over a limit (undefined when none is exceeded), naming each limit and its measured value. */
export function limitsError(ref: string, findings: readonly LimitFinding[], next: string): EdgeMlError | undefined {
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length === 0) return undefined;
  const what = errors.length === 1 ? (errors[0] as LimitFinding).message : `${errors.length} of Cloudflare Workers' limits are exceeded`;
  // Each hint is a list of fixes ("a; b; or c"): every fix once, in the order they first come.
  const fixes = [...new Set(errors.flatMap((f) => f.hint.split("; ")))];
  const hints = [...fixes.filter((x) => !x.startsWith("or ")), ...fixes.filter((x) => x.startsWith("or "))];
  return new EdgeMlError("ERR_GATE_FAILED", `${ref} cannot be deployed: ${what}`, {
    issues: errors.map((f) => ({ path: `limits.${f.limit}`, message: f.message })),
    hint: `${hints.join("; ")}; then \`npx edge-ml deploy ${next}\` again, or deploy anyway with --force --reason "<why>" (recorded in deploys.log.jsonl)`,
  });
}
