/**
 * What the deploy log (cli/deploy/log.ts) says about one model's champion: which deploy is live (the last real,
 * successful one) and the champion before the current one, for `rollout rollback`. Older lines without `from`/`to`
 * are read as plain deploys that moved the champion to their version.
 *
 * @example
 * ```ts
 * const entries = readDeployLog(root);
 * liveDeploy(entries, "titanic");                 // { version: "1.1.0", action: "promote", who: "Ada", time, ... }
 * previousChampion(entries, "titanic", "1.1.0"); // "1.0.0"
 * ```
 */
import type { DeployLogEntry } from "../deploy/log.ts";

/** Attempts that reached the platform and moved the champion: real (not dry-run) successes of this model. */
function moves(entries: readonly DeployLogEntry[], name: string): DeployLogEntry[] {
  return entries.filter((e) => e.model === name && e.result === "success" && !e.dryRun);
}

/** The deploy serving now, as far as the log knows: the last real success of the model (a split: both sides), or undefined. */
export function liveDeploy(entries: readonly DeployLogEntry[], name: string): DeployLogEntry | undefined {
  return moves(entries, name).at(-1);
}

/**
 * The champion before `current`: the `from` of the last deploy or promote that made `current` the champion
 * (rollbacks are skipped, so rolling back twice goes further back instead of toggling). Lines without `from` take
 * the version of the success before them. Undefined when the log never moved the champion to `current`, or when
 * `current` was the first champion.
 */
export function previousChampion(entries: readonly DeployLogEntry[], name: string, current: string): string | undefined {
  const timeline: { to: string; from: string | null; action: string }[] = [];
  let before: string | null = null;
  // A platform split (`deploy --gradual`) leaves the champion where it was: not a move.
  for (const e of moves(entries, name).filter((m) => m.split === undefined)) {
    const to = e.to ?? e.version.split("+")[0] ?? e.version;
    timeline.push({ to, from: e.from === undefined ? before : e.from, action: e.action ?? "deploy" });
    before = to;
  }
  const made = timeline.filter((t) => t.to === current && t.action !== "rollback").at(-1);
  const from = made?.from ?? undefined;
  return from === current ? undefined : from;
}
