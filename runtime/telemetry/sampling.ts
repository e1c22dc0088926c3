/**
 * Which requests keep their rows as samples: a deterministic function of the request id, so that every telemetry
 * client in a build decides the same for the same request. A champion-vs-challenger build has one client per version;
 * in shadow mode both versions run on the same request, and because both sample the same ids the monitor can pair
 * their samples by request id (agreement between the versions) with no pair left half-sampled.
 *
 * The hash is core/hash32.ts (FNV-1a over the UTF-16 code units, finished with murmur3's fmix32, so ids differing
 * only in their last characters spread over the whole range). The salt keeps the sampling independent of the rollout's own
 * hash of the same id (runtime/rollout.ts), so a canary's sampled requests are not all from one arm.
 *
 * @example
 * ```ts
 * if (isSampled("req-123", 0.01)) keepRows(); // the same answer in every client, every isolate
 * ```
 */

import { hash32 } from "../../core/hash32.ts";

const SALT = "edge-ml:sample:";

/** A uniform value in [0, 1) from the request id: the same id always gives the same value. */
export function sampleUnit(requestId: string): number {
  return hash32(SALT + requestId) / 4_294_967_296;
}

/** Whether a successful request's rows are kept at this rate (errors are kept regardless, by the client). */
export function isSampled(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (!(rate > 0)) return false;
  return sampleUnit(requestId) < rate;
}
