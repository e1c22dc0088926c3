/**
 * Online feature lookup (issue 16): the :predict instances of a model whose features come `from` feature views get
 * those features from the views' stores, by the key each instance carries, BEFORE validation and preprocessing, so a
 * looked-up value meets the same schema, ranges and preprocessing as one sent inline.
 *
 * Per request: the distinct keys of each view, ONE `reader.read` per view (all instances at once; the views in
 * parallel). An instance carries the view's key column (a string, or a finite number taken as its decimal text); the key
 * column leaves the instance unless it is a model feature itself. A value the client sends inline wins (an instance that
 * carries all of a view's features needs no key and no read). A key the store lacks, or whose record is past the ttl:
 * a nullable feature gets null (the model's imputation), otherwise the request is a 422 FEATURE_NOT_FOUND. A store that
 * cannot answer is a 503 FEATURE_STORE_UNAVAILABLE: never a prediction on values it could not read. Stored text is
 * converted like a CSV cell (core/csv-cell.ts); a value the schema refuses is the validator's 400, whose issue
 * `annotate` marks with the view and key it came from.
 *
 * @example
 * ```ts
 * const lookup = createFeatureLookup({ features: manifest.features, plan, reader });
 * const { instances, stats } = await lookup([{ passenger_id: "7", age: 30 }]);
 * // instances: [{ age: 30, sex: "male", passengerClass: "3rd" }]; stats.views.passenger: { keys: 1, misses: 0, ... }
 * ```
 */
import { cellValue } from "../../core/csv-cell.ts";
import { describeValue, listNames } from "../../core/describe-value.ts";
import type { Issue } from "../../core/errors.ts";
import { formatPath } from "../../core/errors.ts";
import { type FeatureRecord, isExpired } from "../../core/feature-views-layout.ts";
import type { FeatureSpec } from "../../core/schema/features.ts";
import { HttpError } from "../http-error.ts";
import { withLookupStats } from "./lookup-stats.ts";
import type { FeatureStoreReader, LookupPlan, LookupStats, LookupView } from "./types.ts";

export interface FeatureLookupOptions {
  /** The manifest's feature specs (looked-up values are converted with them). */
  features: readonly FeatureSpec[];
  plan: LookupPlan;
  reader: FeatureStoreReader;
  /** Wall clock, epoch ms (ttl and value ages): Date.now by default. */
  now?: () => number;
  /** Monotonic clock for the read latency, ms: performance.now by default. */
  clock?: () => number;
  /** More instances than this is the validator's 400: nothing is read for such a request. */
  maxBatch?: number;
}

export interface LookupResult {
  /** The instances with looked-up features merged and key columns removed (non-objects are passed on unchanged). */
  instances: unknown[];
  stats: LookupStats;
  /** Issues on looked-up values, each marked with the view and key the value came from. */
  annotate(issues: readonly Issue[]): Issue[];
}

/** Looks up one request's instances; throws the 400/422/503 `HttpError`s described above (with `lookupStatsOf`). */
export type FeatureLookup = (instances: readonly unknown[]) => Promise<LookupResult>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The key an instance carries for a view: its text, or why it cannot be one. */
function keyOf(value: unknown): { key: string } | { problem: string } {
  if (typeof value === "string") return value === "" ? { problem: "the key is an empty string" } : { key: value };
  if (typeof value === "number" && Number.isFinite(value)) return { key: String(value) };
  return { problem: `expected a string or a finite number, got ${describeValue(value)}` };
}

export function createFeatureLookup(opts: FeatureLookupOptions): FeatureLookup {
  const now = opts.now ?? (() => Date.now());
  const clock = opts.clock ?? (() => performance.now());
  const specs = new Map(opts.features.map((f) => [f.name, f]));
  const featureNames = new Set(specs.keys());
  const views = Object.entries(opts.plan.views).map(([name, view]) => {
    const features = view.features.map((f) => {
      const spec = specs.get(f);
      if (spec === undefined) throw new Error(`createFeatureLookup: view "${name}" serves "${f}", which is not a feature of the model`);
      return spec;
    });
    return { name, view, features, dropKey: !featureNames.has(view.key) };
  });

  return async (input) => {
    const stats: LookupStats = { views: {} };
    if (views.length === 0 || (opts.maxBatch !== undefined && input.length > opts.maxBatch)) {
      return { instances: [...input], stats, annotate: (issues) => [...issues] };
    }
    const instances: unknown[] = input.map((inst) => (isObject(inst) ? { ...inst } : inst));
    // Per view: the key of each instance that needs a read (undefined: none needed), and the bad keys.
    const badKeys: Issue[] = [];
    const wanted = views.map(({ name, view, features }) => {
      const keys: (string | undefined)[] = [];
      instances.forEach((inst, i) => {
        if (!isObject(inst) || features.every((f) => Object.hasOwn(inst, f.name))) return;
        const got = keyOf(inst[view.key]);
        if ("key" in got) keys[i] = got.key;
        else {
          const missing = features.filter((f) => !Object.hasOwn(inst, f.name)).map((f) => f.name);
          const problem = inst[view.key] === undefined ? "required" : got.problem;
          badKeys.push({
            path: formatPath(["instances", i, view.key]),
            message: `${problem} (the key of feature view "${name}", which serves ${listNames(missing)})`,
          });
        }
      });
      return keys;
    });
    if (badKeys.length > 0) {
      throw new HttpError(
        400,
        "INVALID_INPUT",
        `invalid input: ${badKeys.length} instance key${badKeys.length === 1 ? "" : "s"} missing or invalid, first at ${badKeys[0]!.path}`,
        {
          issues: badKeys,
          hint: `send each instance's key (${listNames([...new Set(views.map((v) => v.view.key))])}) as a string or a number, or send the looked-up features inline`,
        },
      );
    }

    const records = await Promise.all(
      views.map(async ({ name, view }, v) => {
        const keys = [...new Set(wanted[v]!.filter((k): k is string => k !== undefined))];
        if (keys.length === 0) return new Map<string, FeatureRecord | undefined>();
        const started = clock();
        let found: (FeatureRecord | undefined)[];
        try {
          found = await opts.reader.read(name, keys);
        } catch (err) {
          stats.views[name] = { keys: keys.length, misses: 0, expired: 0, latencyMs: clock() - started, agesMs: [] };
          throw withLookupStats(unavailable(name, view, err), stats);
        }
        const latencyMs = clock() - started;
        const at = now();
        const out = new Map<string, FeatureRecord | undefined>();
        const s = { keys: keys.length, misses: 0, expired: 0, latencyMs, agesMs: [] as number[] };
        keys.forEach((key, k) => {
          const rec = found[k];
          if (rec === undefined || rec === null) s.misses++;
          else if (isExpired(rec, view.ttlMs, at)) {
            s.misses++;
            s.expired++;
          } else {
            s.agesMs.push(at - rec.ts);
            out.set(key, rec);
            return;
          }
          out.set(key, undefined);
        });
        stats.views[name] = s;
        return out;
      }),
    ).catch((err: unknown) => {
      // One view down fails the request; the stats of the views that answered still go with it.
      throw withLookupStats(err, stats);
    });

    const origins = new Map<string, { view: string; key: string }>();
    const notFound: Issue[] = [];
    const missingFrom = new Set<string>();
    views.forEach(({ name, view, features, dropKey }, v) => {
      instances.forEach((inst, i) => {
        const key = wanted[v]![i];
        if (!isObject(inst) || key === undefined) return;
        const rec = records[v]!.get(key);
        const required: string[] = [];
        for (const f of features) {
          if (Object.hasOwn(inst, f.name)) continue;
          if (rec === undefined) {
            if (f.nullable) inst[f.name] = null;
            else required.push(f.name);
            continue;
          }
          // An empty cell was pushed as null: read back as the empty cell it was.
          inst[f.name] = cellValue(f, rec.values[f.name] ?? "");
          origins.set(formatPath(["instances", i, f.name]), { view: name, key });
        }
        if (required.length > 0) {
          const which = required.length === 1 ? `${required[0]} is` : `${listNames(required)} are`;
          notFound.push({
            path: formatPath(["instances", i, view.key]),
            message: `feature view "${name}" has no ${stale(view)}value for key ${JSON.stringify(key)} (${which} not nullable)`,
          });
          missingFrom.add(name);
        }
      });
      if (dropKey) for (const inst of instances) if (isObject(inst)) delete inst[view.key];
    });
    if (notFound.length > 0) {
      const first = notFound[0]!;
      throw withLookupStats(
        new HttpError(422, "FEATURE_NOT_FOUND", `${first.message}, at ${first.path}${notFound.length > 1 ? ` (and ${notFound.length - 1} more)` : ""}`, {
          issues: notFound,
          hint: `push the key's values (${[...missingFrom].map((v) => `edge-ml features push ${v} <csv>`).join("; ")}), send the features inline, or mark them "nullable": true in the model's features to impute a missing value`,
        }),
        stats,
      );
    }
    return { instances, stats, annotate: (issues) => issues.map((issue) => annotated(issue, origins)) };
  };
}

const stale = (view: LookupView) => (view.ttlMs === undefined ? "" : "unexpired ");

function unavailable(name: string, view: LookupView, err: unknown): HttpError {
  if (err instanceof HttpError && err.status === 503) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HttpError(503, "FEATURE_STORE_UNAVAILABLE", `feature view "${name}" (${view.store} store) could not be read: ${message}`, {
    hint: "no prediction was made; retry later, and check the store's binding and health (or send the looked-up features inline)",
  });
}

/** An issue on a looked-up value (its path or below), marked with where the value came from. */
function annotated(issue: Issue, origins: Map<string, { view: string; key: string }>): Issue {
  const m = /^instances\[\d+\]\.[^.[]+/.exec(issue.path);
  const origin = m ? origins.get(m[0]) : undefined;
  if (origin === undefined) return issue;
  return { ...issue, message: `${issue.message} (looked up from feature view "${origin.view}", key ${JSON.stringify(origin.key)})` };
}
