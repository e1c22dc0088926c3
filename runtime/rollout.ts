/**
 * Champion and challenger in one deployment: which version answers a request. In a **canary** the challenger answers
 * a fixed share of users, chosen by a stable hash of a sticky key (a header, or the request id), so one user stays on
 * one arm for the whole rollout. In **shadow** mode the champion answers every request and the challenger runs on the
 * same body after the response (rollout-app.ts), so the client's latency does not change.
 *
 * Portable: no platform APIs, the same assignment on every target and in tests.
 *
 * @example
 * ```ts
 * const rollout: Rollout = { challenger: "1.1.0", mode: "canary", share: 0.1, sticky: "header:x-user-id" };
 * assignArm("user-42", rollout.share, rollout.challenger); // "champion" or "challenger", the same every time
 * ```
 */
import { hash32 } from "../core/hash32.ts";

/** How a build shares traffic with a challenger (`rollout` in edge-ml.config.ts, or `edge-ml dev --challenger`). */
export interface Rollout {
  /** The challenger's version (the same model's; the champion is the build's own version). */
  challenger: string;
  mode: "shadow" | "canary";
  /** Canary: the share of sticky keys the challenger answers, 0..1 (ignored in shadow mode). */
  share: number;
  /** What keeps a user on one arm: `requestId` (the client's x-request-id, else a fresh id) or `header:<name>`. */
  sticky: "requestId" | `header:${string}`;
}

export type Arm = "champion" | "challenger";

/** A rollout as code gives it to a target's entry: the challenger's version comes from its manifest. */
export type RolloutSettings = ({ mode: "shadow" } | { mode: "canary"; share: number }) & { sticky?: Rollout["sticky"] | undefined };

/** The rollout of `settings` with `challenger` (a version), sticky by the request id unless said otherwise. */
export function rolloutOf(challenger: string, settings: RolloutSettings): Rollout {
  return { challenger, mode: settings.mode, share: settings.mode === "canary" ? settings.share : 0, sticky: settings.sticky ?? "requestId" };
}

/**
 * The arm of a sticky key: the challenger when the key's hash falls in the first `share` of the 32-bit range.
 * `salt` (the challenger's version) reshuffles users when a new rollout starts, so the same 10% are not always first.
 *
 * @example
 * ```ts
 * assignArm("4f1c...", 0.1, "1.1.0"); // "champion" for about 90% of keys
 * ```
 */
export function assignArm(key: string, share: number, salt: string): Arm {
  if (share <= 0) return "champion";
  if (share >= 1) return "challenger";
  return hash32(`${salt}\u0000${key}`) < share * 0x1_0000_0000 ? "challenger" : "champion";
}

/** The header a `header:<name>` sticky setting reads (lower case), or undefined for `requestId`. */
function stickyHeader(sticky: Rollout["sticky"]): string | undefined {
  return sticky.startsWith("header:") ? sticky.slice("header:".length).toLowerCase() : undefined;
}

/**
 * The arm a request goes to: shadow mode always answers with the champion; a canary hashes the sticky header's value,
 * or the request id when there is no such header (then a client without the header is placed per request).
 */
export function chooseArm(rollout: Rollout, requestId: string, header: (name: string) => string | undefined): Arm {
  if (rollout.mode === "shadow") return "champion";
  const name = stickyHeader(rollout.sticky);
  const key = (name === undefined ? undefined : header(name)) || requestId;
  return assignArm(key, rollout.share, rollout.challenger);
}

/** `shadow`, or `canary 10%`: how the rollout is shown in logs and in the app's `/` answer. */
export function describeRollout(rollout: Rollout): string {
  const sticky = rollout.sticky === "requestId" ? "x-request-id" : rollout.sticky.slice("header:".length);
  return rollout.mode === "shadow"
    ? `shadow (the champion answers; ${rollout.challenger} runs after the response)`
    : `canary ${+(rollout.share * 100).toFixed(4)}% sticky by ${sticky}`;
}
