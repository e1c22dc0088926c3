/**
 * Feature views (issue 16): features a model does not get from the client but looks up by key, defined once in
 * `edge-ml.config.ts` under `featureViews` and used by both sides: `edge-ml features push` materializes a view's latest
 * values per key into its online store, `edge-ml features join` builds point-in-time training sets from the pushed
 * history, and (next) the edge reads the same values by key. A model's feature schema marks a looked-up feature with
 * `from: "<view>"`; `checkLookedUpFeatures` says whether the views hold what the schema expects.
 *
 * Times are epoch milliseconds: a `timestamp` cell is epoch milliseconds or an ISO-8601 string (a date or date-time
 * without an offset is read as UTC). `ttl` counts from a value's timestamp (from the push when the view has none).
 *
 * @example
 * ```ts
 * const views = FeatureViews.parse({ customer: { key: "customer_id", features: ["plan", "region"], store: "kv", ttl: "30d" } });
 * views.customer.ttlMs; // 2_592_000_000
 * checkLookedUpFeatures([{ name: "plan", from: "customer" }], views); // [] (the view lists it)
 * parseFeatureTime("2026-01-31T12:00:00Z"); // 1769860800000
 * ```
 */
import * as z from "zod";
import { dateProblem, parseDateTime } from "./dates.ts";
import type { Issue } from "./errors.ts";
import { strictObject } from "./validation/strict.ts";

const FEATURE_STORES = ["kv", "d1", "deno-kv", "memory"] as const;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/**
 * A ttl like "30d", "12h", "90m", "3600s", "2w"; undefined when malformed. The grammar of the monitor's durations
 * (monitor/schema/rules.ts), which core cannot import, with weeks and without fractions or bare numbers: a ttl is
 * read by people deciding how stale a feature may be served.
 */
export function parseTtl(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/** A view or column name: also a D1 table suffix and part of a KV key, so no separators or quotes. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const Column = z.string().min(1, "a column name cannot be empty");

const FeatureView = strictObject({
  /** The entity column (customer_id): the lookup key, a column of the pushed CSV and of the entity CSV of `join`. */
  key: Column,
  /** Columns served by the view, in this order. */
  features: z.array(Column).min(1, "list at least one feature column"),
  /** Event-time column: the latest row per key wins by it, and `join` reads values as of it. Default: push time. */
  timestamp: Column.optional(),
  /** Where the edge reads it: Workers KV, D1, Deno KV, or in memory (Node, browser). */
  store: z.enum(FEATURE_STORES, { error: `expected one of ${FEATURE_STORES.map((s) => `"${s}"`).join(", ")}` }),
  /** How long a value may be served after its timestamp (or its push): "30d", "12h". Default: forever. */
  ttl: z.string().optional(),
}).transform((v, ctx) => {
  const ttlMs = v.ttl === undefined ? undefined : parseTtl(v.ttl);
  if (v.ttl !== undefined && ttlMs === undefined) ctx.addIssue({ code: "custom", path: ["ttl"], message: 'expected a duration like "30d", "12h", "90m"' });
  const seen = new Set<string>();
  v.features.forEach((f, i) => {
    const clash = f === v.key ? "the key" : f === v.timestamp ? "the timestamp" : seen.has(f) ? "listed twice" : undefined;
    if (clash) ctx.addIssue({ code: "custom", path: ["features", i], message: `"${f}" is ${clash}; features are the other columns` });
    seen.add(f);
  });
  if (v.timestamp !== undefined && v.timestamp === v.key)
    ctx.addIssue({ code: "custom", path: ["timestamp"], message: "the timestamp column cannot be the key column" });
  return { ...v, ...(ttlMs === undefined ? {} : { ttlMs }) };
});
export type FeatureView = z.output<typeof FeatureView>;

/** `featureViews` of the config, by view name. */
export const FeatureViews = z.record(z.string(), FeatureView).superRefine((views, ctx) => {
  // Checked here rather than as the record's key schema, whose issue would only say "Invalid key in record".
  for (const name of Object.keys(views))
    if (!NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "a view name is letters, digits and '_', not starting with a digit" });
});
export type FeatureViews = z.output<typeof FeatureViews>;

/**
 * Issues (with the schema path `features[i].from`) for looked-up features whose view is not configured or does not
 * list the feature; empty when every `from` resolves.
 */
export function checkLookedUpFeatures(features: readonly { name: string; from?: string | undefined }[], views: FeatureViews): Issue[] {
  const issues: Issue[] = [];
  const names = Object.keys(views);
  features.forEach((f, i) => {
    if (f.from === undefined) return;
    const view = Object.hasOwn(views, f.from) ? views[f.from] : undefined;
    const path = `features[${i}].from`;
    if (view === undefined) {
      const known = names.length === 0 ? "no featureViews are configured" : `configured views: ${names.join(", ")}`;
      issues.push({ path, message: `"${f.name}" comes from view "${f.from}", which edge-ml.config.ts does not define (${known})` });
    } else if (!view.features.includes(f.name)) {
      issues.push({ path, message: `view "${f.from}" does not list "${f.name}" (its features: ${view.features.join(", ")})` });
    }
  });
  return issues;
}

const EPOCH_MS = /^-?\d+$/;

/** A timestamp cell as epoch milliseconds: digits are epoch ms, else ISO-8601 (no offset: UTC); undefined when not a time. */
export function parseFeatureTime(text: string): number | undefined {
  const t = text.trim();
  const v = parseDateTime(EPOCH_MS.test(t) ? Number(t) : t);
  if (v === undefined) return undefined;
  return v.kind === "instant" ? v.ms : Date.UTC(v.y, v.m - 1, v.d, v.h, v.mi, v.s, v.ms);
}

/** Why a timestamp cell is not a time (for messages located by file:line). */
export function featureTimeProblem(text: string): string {
  const t = text.trim();
  if (t === "") return "the timestamp is empty";
  return dateProblem(EPOCH_MS.test(t) ? Number(t) : t) ?? "not a time";
}
