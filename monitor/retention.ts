/**
 * How long the monitor keeps what at which resolution (issue 15): raw sampled rows and their labels expire; per-minute
 * counters and profiles are rolled into hours, hours into days, so a 90-day query reads a few hundred rows. Written
 * as `samples=7d,minutes=48h,hours=14d` (`edge-ml monitor --retention ...`); a key left out keeps its default, `off`
 * keeps that level forever, and `--retention off` turns compaction off. Portable: the Node server and the Worker's
 * Cron Trigger both hand the parsed policy to `store.compact(now, policy)`.
 *
 * @example
 * ```ts
 * const policy = parseRetention("samples=3d,hours=90d"); // minutes 48h, days kept, compaction every 10 min
 * await store.compact(Date.now(), policy);
 * ```
 */
import * as z from "zod";
import { EdgeMlError, issuesFromZod } from "../core/errors.ts";
import { parseDuration } from "./schema/rules.ts";
import type { MonitorStore } from "./store/contract.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A duration ("48h", "7d", milliseconds) or `off` / `forever` (null: never expire or roll up). */
const Keep = z.union([z.int().positive(), z.string(), z.null()]).transform((v, ctx) => {
  if (v === null || v === "off" || v === "forever") return null;
  const ms = typeof v === "number" ? v : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: 'expected a duration like "36h", "7d", or "off"' });
    return z.NEVER;
  }
  return ms;
});

export const RetentionPolicy = z
  .strictObject({
    /** Sampled rows (inspection, label joins) stored longer ago than this are deleted. */
    samples: Keep.default(7 * DAY),
    /** Labels received longer ago than this are deleted (default: as long as samples). */
    labels: Keep.optional(),
    /** Per-minute (per-bucket) counters and profiles older than this are rolled into hourly rows. */
    minutes: Keep.default(48 * HOUR),
    /** Hourly rows older than this are rolled into daily rows. */
    hours: Keep.default(14 * DAY),
    /** Daily rows older than this are deleted (default: kept). */
    days: Keep.default(null),
    /** How often the monitor compacts (default 10 minutes; `off`: never on its own). */
    every: Keep.default(10 * 60_000),
  })
  .check((ctx) => {
    const p = ctx.value;
    const issue = (key: string, message: string) => ctx.issues.push({ code: "custom", path: [key], message, input: p });
    // Only whole hours (days) roll, so a level must keep at least one of the next level's periods.
    if (p.minutes !== null && p.minutes < HOUR) issue("minutes", "keep per-minute rows at least 1h (minutes roll into whole hours)");
    if (p.hours !== null && p.hours < DAY) issue("hours", "keep hourly rows at least 1d (hours roll into whole days)");
    if (p.minutes !== null && p.hours !== null && p.hours <= p.minutes) issue("hours", "keep hourly rows longer than per-minute rows");
    if (p.days !== null && (p.hours === null || p.days <= p.hours)) issue("days", "keep daily rows longer than hourly rows (and roll hours into days)");
  })
  .transform((p) => ({ ...p, labels: p.labels === undefined ? p.samples : p.labels }));

export type RetentionPolicy = z.output<typeof RetentionPolicy>;

/** The defaults: samples 7 d, minutes 48 h, hours 14 d, days kept, compaction every 10 min. */
export const DEFAULT_RETENTION: RetentionPolicy = RetentionPolicy.parse({});

const KEYS = ["samples", "labels", "minutes", "hours", "days", "every"];
const HINT = "e.g. --retention samples=7d,minutes=48h,hours=14d,days=off (keys: samples, labels, minutes, hours, days, every), or --retention off";

/**
 * Parse `key=value,key=value` into a policy (defaults for the keys left out); `off` means no compaction at all
 * (returns null). Throws an ERR_USAGE EdgeMlError naming every bad key.
 */
export function parseRetention(text: string): RetentionPolicy | null {
  const trimmed = text.trim();
  if (trimmed === "off") return null;
  const input: Record<string, string> = {};
  for (const part of trimmed.split(",")) {
    const [key, value, ...rest] = part.split("=").map((s) => s.trim());
    if (key === undefined || key === "" || value === undefined || value === "" || rest.length > 0) {
      throw new EdgeMlError("ERR_USAGE", `--retention ${text}: "${part}" is not key=value`, { hint: HINT });
    }
    if (!KEYS.includes(key)) throw new EdgeMlError("ERR_USAGE", `--retention ${text}: unknown key "${key}"`, { hint: HINT });
    input[key] = value;
  }
  const parsed = RetentionPolicy.safeParse(input);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error.issues);
    throw new EdgeMlError("ERR_USAGE", `--retention ${text}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { hint: HINT, issues });
  }
  return parsed.data;
}

/** The policy as the flag would write it (for logs and the README's defaults). */
export function formatRetention(p: RetentionPolicy): string {
  const f = (ms: number | null) =>
    ms === null ? "off" : ms % DAY === 0 && ms >= 3 * DAY ? `${ms / DAY}d` : ms % HOUR === 0 ? `${ms / HOUR}h` : `${ms / 60_000}m`;
  return `samples=${f(p.samples)},labels=${f(p.labels)},minutes=${f(p.minutes)},hours=${f(p.hours)},days=${f(p.days)},every=${f(p.every)}`;
}

/**
 * Compact `store` every `policy.every` (not at once: a database opened for a moment, by a test or a script, is left
 * as it is), never two runs at once; returns a stop function that resolves once a run in progress is done (so the
 * store can be closed after it). `every=off` schedules nothing. The Node server calls this; a Worker calls
 * `store.compact(Date.now(), policy)` from its Cron Trigger instead.
 */
export function startCompaction(
  store: Pick<MonitorStore, "compact">,
  policy: RetentionPolicy,
  o: { now?: () => number; onError?: (error: unknown) => void; lease?: () => Promise<boolean> } = {},
): () => Promise<void> {
  const onError = o.onError ?? ((error: unknown) => console.error("edge-ml monitor: compaction failed:", error));
  const now = o.now ?? Date.now;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running !== undefined) return;
    const lease = o.lease ?? (async () => true);
    running = lease()
      .then((held) => (held ? store.compact(now(), policy) : undefined))
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = policy.every === null ? undefined : setInterval(tick, policy.every);
  return async () => {
    if (timer !== undefined) clearInterval(timer);
    await running;
  };
}
