/**
 * The deploy log: every `edge-ml deploy`, `rollout promote` and `rollout rollback` attempt (refused, failed, dry run or
 * real) as one JSON line appended to `deploys.log.jsonl` in the project root, so who shipped what, when, from which
 * commit, why a gate was overridden and where the champion alias went (from → to) stays on the record (commit the
 * file, or ship it to your log store). Lines written before `action`, `who`, `from` and `to` existed still read: such
 * a line is a `deploy` whose `to` is its `version`.
 *
 * @example
 * ```ts
 * appendDeployLog(root, { time, model: "titanic", version: "1.0.0", target: "worker", dryRun: true, forced: false, reason: null, result: "dry-run", ... });
 * readDeployLog(root).filter((e) => e.model === "titanic" && e.result === "success").at(-1); // what is live
 * ```
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DEPLOY_LOG = "deploys.log.jsonl";

/** What an attempt was for: a plain deploy, promoting the challenger, or rolling back to an earlier champion. */
export type DeployAction = "deploy" | "promote" | "rollback";

export interface DeployLogEntry {
  time: string;
  /** Absent on lines written before promote and rollback existed: read as "deploy". */
  action?: DeployAction;
  /** Who ran it: `git config user.name`, else $USER (absent on older lines). */
  who?: string;
  model: string;
  version: string;
  sha256: string;
  target: string;
  worker: string;
  /** The platform environment (`deploy --env`), when one was used. */
  environment?: string;
  /** The champion before the attempt (null: none) and the version it points at after a success. */
  from?: string | null;
  to?: string;
  /** The challenger the build served beside the version (a rollout build), as name@version. */
  challenger?: string;
  /**
   * A platform split (`deploy --gradual`): the version is the challenger beside the champion (`to`, unchanged), each
   * with its Worker version and percentage.
   */
  split?: {
    champion: { version: string; versionId?: string; percentage: number };
    challenger: { version: string; versionId?: string; percentage: number };
    deploymentId?: string;
  };
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
  /** Feature views written to their Cloudflare stores before the version went live (or that a dry run would write), e.g. "customer: 1,200 keys to KV". */
  features?: string[];
  git: { commit: string; dirty: boolean } | null;
}

/** Append one line; appends of a single line are atomic enough for concurrent deploys from one machine. */
export function appendDeployLog(root: string, entry: DeployLogEntry): void {
  appendFileSync(join(root, DEPLOY_LOG), `${JSON.stringify(entry)}\n`);
}

/**
 * Every entry, oldest first. A line that is not a JSON object with a model and a version (a torn write, a merge
 * conflict) is skipped rather than failing the command that reads the log.
 */
export function readDeployLog(root: string): DeployLogEntry[] {
  const file = join(root, DEPLOY_LOG);
  if (!existsSync(file)) return [];
  const entries: DeployLogEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const e = JSON.parse(line) as Partial<DeployLogEntry> | null;
      if (e && typeof e.model === "string" && typeof e.version === "string" && typeof e.result === "string") entries.push(e as DeployLogEntry);
    } catch {
      // A torn or conflicted line says nothing reliable about what is live.
    }
  }
  return entries;
}

/** Who is deploying: `git config user.name` in the project, else $USER / $USERNAME, else "unknown". */
export function deployer(root: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  try {
    const name = execFileSync("git", ["config", "user.name"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (name !== "") return name;
  } catch {
    // No git, or no user.name configured: fall back to the login name.
  }
  return env["USER"] ?? env["USERNAME"] ?? "unknown";
}
