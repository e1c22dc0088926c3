/**
 * The lookup stats a failed request carries to its request event (runtime/app.ts reads them back). Kept apart from
 * ./lookup.ts so that the app and the predictor import only this: the lookup itself (and the CSV-cell conversion it
 * brings) is loaded on demand, by models that look features up, and stays out of every other page build's first load.
 *
 * @example
 * ```ts
 * throw withLookupStats(new HttpError(422, "FEATURE_NOT_FOUND", "..."), stats);
 * lookupStatsOf(err); // stats
 * ```
 */
import type { LookupStats } from "./types.ts";

const statsOfError = new WeakMap<object, LookupStats>();
/** The lookup stats of a request that failed after (or during) its reads, for its request event. */
export const lookupStatsOf = (err: unknown): LookupStats | undefined => (typeof err === "object" && err !== null ? statsOfError.get(err) : undefined);
/** Attach a request's lookup stats to the error it ends with (misses count even when they fail the request). */
export function withLookupStats<E>(err: E, stats: LookupStats | undefined): E {
  if (stats !== undefined && typeof err === "object" && err !== null && !statsOfError.has(err)) statsOfError.set(err, stats);
  return err;
}
