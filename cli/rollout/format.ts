/**
 * `edge-ml rollout status`'s terminal output: champion, challenger (mode, share, sticky key, gate), what is live by
 * the deploy log, the monitor's comparison URL, and the next command.
 *
 * @example
 * ```ts
 * console.log(formatStatus(await rolloutStatus(root, "titanic")));
 * ```
 */
import { dim, green, red, yellow } from "../terminal/output.ts";
import type { RolloutStatus } from "./status.ts";

function traffic(c: NonNullable<RolloutStatus["challenger"]>): string {
  const share = c.mode === "canary" ? `canary, ${Math.round((c.share ?? 0) * 1000) / 10}% of users` : "shadow (the champion answers every request)";
  return `${share}, sticky by ${c.sticky}`;
}

function liveLine(s: RolloutStatus): string {
  const l = s.live;
  if (l === null) return "(nothing in deploys.log.jsonl: never deployed from here)";
  if (l.split) {
    const { champion, challenger } = l.split;
    return `platform split: ${champion.version} ${champion.percentage}%, ${challenger.version} ${challenger.percentage}% (deploy --gradual ${l.time}${l.who ? ` by ${l.who}` : ""})`;
  }
  const beside = l.challenger ? ` with challenger ${l.challenger}` : " alone";
  const by = l.who ? ` by ${l.who}` : "";
  const why = l.reason ? ` (${l.reason})` : "";
  return `${l.version}${beside}, ${l.action} ${l.time}${by}${why}`;
}

function nextLine(s: RolloutStatus): string {
  const c = s.challenger;
  const split = s.live?.split;
  if (c === null && split) {
    return `promote it: npx edge-ml rollout promote ${s.model}   (100% ${split.challenger.version}; or back out: npx edge-ml rollout rollback ${s.model} --to ${split.champion.version})`;
  }
  if (c === null) return `no rollout: set models.${s.model}.rollout in edge-ml.config.ts to share traffic with a challenger`;
  if (s.finished) {
    return `the rollout is finished (${s.model}@${c.version} is the champion): remove models.${s.model}.rollout from edge-ml.config.ts or point it at the next challenger; undo with npx edge-ml rollout rollback ${s.model}`;
  }
  if (!c.blessed)
    return `validate it first (npx edge-ml validate ${s.model}@${c.version}), or promote anyway: npx edge-ml rollout promote ${s.model} --force --reason "<why>"`;
  return `promote it: npx edge-ml rollout promote ${s.model}   (or back out: npx edge-ml rollout rollback ${s.model} --to ${s.champion ?? "<version>"})`;
}

export function formatStatus(s: RolloutStatus): string {
  const c = s.challenger;
  const lines = [
    `${s.model}  (Worker "${s.worker}")`,
    `  champion    ${s.champion ?? yellow("(no champion alias)")}`,
    c === null
      ? `  challenger  ${dim("(none configured)")}`
      : `  challenger  ${c.ref}${c.ref.endsWith(`@${c.version}`) ? "" : ` = ${c.version}`}: ${s.finished ? green("promoted") : traffic(c)}`,
    ...(c === null || s.finished ? [] : [`  gate        ${c.blessed ? `${green("✔")} ${c.gate}` : `${red("✖")} ${c.gate}`}`]),
    `  live        ${liveLine(s)}`,
    ...(s.compare ? [`  compare     ${s.compare}`] : []),
  ];
  lines.push(dim(`next: ${nextLine(s)}`));
  return lines.join("\n");
}
