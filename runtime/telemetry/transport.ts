/**
 * Putting one batch on the wire: a POST with bounded retries (exponential backoff with jitter), classified so the
 * client knows whether to drop the batch (the monitor refused it as invalid) or keep it for the next flush.
 * Also the page-close path: `fetch(..., {keepalive: true})` or `navigator.sendBeacon`, both feature-detected.
 *
 * @example
 * ```ts
 * const outcome = await postWithRetry(body, { url, token, fetch, maxAttempts: 4, retryBaseMs: 250, timeoutMs: 5000, sleep, random: Math.random });
 * if (outcome.kind === "ok") console.log(outcome.duplicate ? "already stored" : "stored");
 * ```
 */
import type { TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { jsonReplacer } from "./samples.ts";

export type SendOutcome =
  | { kind: "ok"; duplicate: boolean }
  /** The monitor said the batch itself is wrong (4xx other than auth/rate): resending it cannot help. */
  | { kind: "rejected"; error: Error }
  /**
   * The monitor refused the credentials (401: unknown or revoked token; 403: the token belongs to another
   * deployment). No batch can get through until the token or the deployment name changes: see ./refusal.ts.
   */
  | { kind: "refused"; status: number; error: Error; body: string }
  /** Network failure, timeout, 5xx, 429, 404: worth trying again later with the same batchId. */
  | { kind: "failed"; error: Error };

export interface PostContext {
  url: string;
  token: string;
  fetch: typeof fetch;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const REJECTED = new Set([400, 413, 415, 422]);
const REFUSED = new Set([401, 403]);
/** Retrying a wrong URL inside one flush cannot help, but a monitor being deployed may answer 404 for a moment. */
const NOT_NOW = new Set([404]);
const MAX_DELAY_MS = 5000;

export async function postWithRetry(body: string, ctx: PostContext): Promise<SendOutcome> {
  let last: Error = new Error("not attempted");
  for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
    if (attempt > 0) {
      // "Equal jitter": half the exponential delay fixed, half random, so many isolates do not retry in lockstep.
      const exp = Math.min(MAX_DELAY_MS, ctx.retryBaseMs * 2 ** (attempt - 1));
      await ctx.sleep(exp / 2 + ctx.random() * (exp / 2));
    }
    try {
      const res = await ctx.fetch(ctx.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ctx.token}` },
        body,
        ...timeoutSignal(ctx.timeoutMs),
      });
      const text = await res.text().catch(() => "");
      if (res.ok) return { kind: "ok", duplicate: /"duplicate"\s*:\s*true/.test(text) };
      last = new Error(`monitor answered ${res.status}: ${text.slice(0, 500)}`);
      if (REJECTED.has(res.status)) return { kind: "rejected", error: last };
      if (REFUSED.has(res.status)) return { kind: "refused", status: res.status, error: last, body: text };
      if (NOT_NOW.has(res.status)) return { kind: "failed", error: last };
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
  }
  return { kind: "failed", error: last };
}

function timeoutSignal(ms: number): { signal?: AbortSignal } {
  const timeout = (AbortSignal as { timeout?: (ms: number) => AbortSignal }).timeout;
  return typeof timeout === "function" && ms > 0 ? { signal: timeout.call(AbortSignal, ms) } : {};
}

/** Serialize a batch; a value JSON cannot hold (a cycle) costs that sample its features and prediction, not the batch. */
export function serializeBatch(batch: TelemetryBatchInput): string {
  try {
    return JSON.stringify(batch, jsonReplacer);
  } catch {
    const samples = batch.samples.map((s) => {
      try {
        JSON.stringify(s, jsonReplacer);
        return s;
      } catch {
        const { features: _f, prediction: _p, ...rest } = s;
        return rest;
      }
    });
    return JSON.stringify({ ...batch, samples }, jsonReplacer);
  }
}

/** Browsers keep at most 64 KiB of keepalive/beacon bodies in flight; stay under it with room for headers. */
export const BEACON_MAX_BYTES = 60_000;

export type BeaconResult = "queued" | "sent" | "unavailable";

/**
 * Hand a body to the browser for delivery after the page is gone. keepalive fetch is preferred (the token stays in
 * a header, and `onDone` learns the outcome); sendBeacon cannot set headers, so the token goes in the query string
 * (a browser deployment's token is public anyway) and the body as text/plain (a CORS-safelisted type).
 */
export function sendOnUnload(url: string, token: string, body: string, f: typeof fetch | undefined, onDone: (ok: boolean) => void): BeaconResult {
  const g = globalThis as { Request?: { prototype: object }; navigator?: { sendBeacon?: (url: string, data: unknown) => boolean } };
  if (f !== undefined && g.Request !== undefined && "keepalive" in g.Request.prototype) {
    f(url, { method: "POST", keepalive: true, headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body }).then(
      (res) => onDone(res.ok || REJECTED.has(res.status)),
      () => onDone(false),
    );
    return "sent";
  }
  const sendBeacon = g.navigator?.sendBeacon;
  if (typeof sendBeacon === "function") {
    const data = new Blob([body], { type: "text/plain;charset=UTF-8" });
    const sep = url.includes("?") ? "&" : "?";
    return sendBeacon.call(g.navigator, `${url}${sep}token=${encodeURIComponent(token)}`, data) ? "queued" : "unavailable";
  }
  return "unavailable";
}
