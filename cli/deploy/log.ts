/**
 * The deploy log: every `edge-ml deploy` attempt (refused, failed, dry run or real) as one JSON line appended to
 * `deploys.log.jsonl` in the project root, so who shipped what, when, from which commit, and why a gate was
 * overridden stays on the record (commit the file, or ship it to your log store).
 *
 * @example
 * ```ts
 * appendDeployLog(root, { time, model: "titanic", version: "1.0.0", target: "worker", dryRun: true, forced: false, reason: null, result: "dry-run", ... });
 * ```
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";

const DEPLOY_LOG = "deploys.log.jsonl";

export interface DeployLogEntry {
  time: string;
  model: string;
  version: string;
  sha256: string;
  target: string;
  worker: string;
  /** The platform environment (`deploy --env`), when one was used. */
  environment?: string;
  dryRun: boolean;
  forced: boolean;
  reason: string | null;
  result: "success" | "dry-run" | "refused" | "failed";
  /** Why a refused or failed attempt did not go out. */
  error?: string;
  /** The gate's verdict at the time (also for forced deploys). */
  gate: string;
  /** The build against the platform's limits: "within limits", "close: ...", "exceeded: ...", or "forced past: exceeded: ...". */
  limits?: string;
  monitor?: "registered" | "unsupported" | "failed" | "not configured" | "skipped (dry run)";
  git: { commit: string; dirty: boolean } | null;
}

/** Append one line; appends of a single line are atomic enough for concurrent deploys from one machine. */
export function appendDeployLog(root: string, entry: DeployLogEntry): void {
  appendFileSync(join(root, DEPLOY_LOG), `${JSON.stringify(entry)}\n`);
}
