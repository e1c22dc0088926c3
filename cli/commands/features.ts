/**
 * `edge-ml features push|show|join`: materialize a feature view into its local store, read a key back, build a
 * point-in-time training set. The work is in cli/features/; these handlers parse and print.
 *
 * @example
 * ```sh
 * npx edge-ml features push customer data/customers.csv
 * npx edge-ml features push customer data/customers.csv --remote   # and to its KV namespace / D1 database
 * npx edge-ml features show customer c-42
 * npx edge-ml features join data/labels.csv --view customer --as-of event_time --out data/train.csv
 * ```
 */
import { defineCommand } from "citty";
import { formatFeatures } from "../deploy/format.ts";
import { remoteViewPush } from "../deploy/feature-push-remote.ts";
import { joinFeatures } from "../features/join.ts";
import { pushFeatures } from "../features/push.ts";
import { showFeature } from "../features/show.ts";
import { findProjectRoot } from "../project/project.ts";
import { UsageError } from "../terminal/errors.ts";
import { printJson } from "../terminal/json.ts";
import { dim } from "../terminal/output.ts";
import { createSteps } from "../terminal/steps.ts";
import { FEATURES_JOIN, FEATURES_PUSH, FEATURES_SHOW } from "./spec/features.ts";

function chunkRows(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new UsageError(`--chunk-rows ${value} is not a row count`, { hint: "a whole number of at least 2, e.g. 100000" });
  return n;
}

const n = (x: number) => x.toLocaleString("en-US");
const time = (ms: number) => new Date(ms).toISOString();

/** "3d 4h", "12m 5s": an age for people. */
function age(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const shown = parts.filter(([v]) => v > 0).slice(0, 2);
  const text = shown.length === 0 ? "0s" : shown.map(([v, u]) => `${v}${u}`).join(" ");
  return ms < 0 ? `${text} in the future` : text;
}

export const PUSH = defineCommand({
  args: FEATURES_PUSH.args,
  async run({ args }) {
    if (args.env !== undefined && args.remote !== true) throw new UsageError("--env goes with --remote: it picks the environment's Cloudflare stores");
    if (args.remote === true && args["dry-run"] === true)
      throw new UsageError("--remote writes what the local push stored, and a dry run stores nothing", {
        hint: "drop --remote to see what the file holds; `npx edge-ml deploy <model> --dry-run` shows what the remote stores would get",
      });
    const root = findProjectRoot();
    const steps = createSteps();
    // A --remote the config cannot serve is refused before the local push.
    const toRemote =
      args.remote === true
        ? await remoteViewPush(root, args.view, {
            ...(args.env === undefined ? {} : { environment: args.env }),
            env: process.env,
            onStep: (step) => steps.start(step),
            onOutput: (chunk) => steps.output(chunk),
          })
        : undefined;
    const r = await pushFeatures(root, {
      view: args.view,
      csv: args.csv,
      skipBadRows: args["skip-bad-rows"] === true,
      dryRun: args["dry-run"] === true,
      ...(args["chunk-rows"] === undefined ? {} : { chunkRows: chunkRows(args["chunk-rows"]) as number }),
    });
    const remote = toRemote ? await steps.around(toRemote) : undefined;
    if (args.json) return printJson(remote ? { ...r, remote } : r);
    const verb = r.dryRun ? "would write" : "wrote";
    console.log(`${r.dryRun ? "dry run: " : ""}${args.csv}: ${n(r.rows)} rows, ${n(r.keys)} keys (the latest row per key; on a tie the later row wins)`);
    if (r.badRowCount > 0) {
      console.log(`skipped ${n(r.badRowCount)} bad row${r.badRowCount === 1 ? "" : "s"}:`);
      for (const b of r.badRows) console.log(`  • ${b.path}: ${b.message}`);
      if (r.badRowCount > r.badRows.length) console.log(`  … and ${n(r.badRowCount - r.badRows.length)} more`);
    }
    console.log(`${verb} ${n(r.written)} keys to ${r.store}`);
    if (r.kept > 0) console.log(`kept ${n(r.kept)} stored values that are newer than this file's`);
    if (r.expired > 0) console.log(`left out ${n(r.expired)} keys whose latest value is already past the view's ttl`);
    for (const e of r.examples) console.log(dim(`  ${e.key} @ ${time(e.record.ts)}: ${JSON.stringify(e.record.values)}`));
    if (r.history) console.log(`history: ${n(r.validRows)} rows appended to ${r.history} (read by features join)`);
    for (const line of formatFeatures(remote, "remote")) console.log(line);
    if (!r.dryRun) console.log(dim(`next: npx edge-ml features show ${args.view} <key>`));
  },
});

export const SHOW = defineCommand({
  args: FEATURES_SHOW.args,
  async run({ args }) {
    const r = await showFeature(findProjectRoot(), args.view, args.key);
    if (args.json) return printJson(r);
    console.log(`${args.view} ${args.key}  (${r.store})`);
    const width = Math.max(...Object.keys(r.record.values).map((k) => k.length));
    for (const [k, v] of Object.entries(r.record.values)) console.log(`  ${k.padEnd(width)}  ${v === null ? dim("null") : v}`);
    console.log(`ts ${time(r.record.ts)} (${age(r.ageMs)} old${r.expired ? ", past the view's ttl: the edge would not serve it" : ""})`);
    console.log(dim(`pushed ${time(r.record.pushedAt)}`));
  },
});

export const JOIN = defineCommand({
  args: FEATURES_JOIN.args,
  async run({ args }) {
    const r = await joinFeatures(findProjectRoot(), {
      entities: args.entities,
      view: args.view,
      asOf: args["as-of"],
      out: args.out,
      ...(args["chunk-rows"] === undefined ? {} : { chunkRows: chunkRows(args["chunk-rows"]) as number }),
    });
    if (args.json) return printJson(r);
    console.log(`${args.out}: ${n(r.rows)} rows, ${n(r.matched)} with values as of ${args["as-of"]} (from ${n(r.historyRows)} pushed rows)`);
    const empty: [number, string][] = [
      [r.beforeFirst, "time before the key's first value"],
      [r.noHistory, `key never pushed (${n(r.noHistoryKeys)} distinct keys)`],
      [r.expired, "latest value older than the view's ttl"],
      [r.noKey, "empty key"],
    ];
    for (const [count, why] of empty) if (count > 0) console.log(`  empty values: ${n(count)} rows, ${why}`);
  },
});
