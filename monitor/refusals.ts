/**
 * Refused telemetry is said out loud on the monitor's side too: each refusal is logged (stderr by default) and, when
 * the monitor can tell which deployment it concerns, kept as that deployment's last refusal (`GET /v1/deployments`).
 * An edge retrying with a wrong token sends a refused batch every few seconds, so both are rate-limited: at most once
 * per `intervalMs` per (token, deployment, status); the rest are counted and the count goes into the next line.
 *
 * @example
 * ```ts
 * const refusals = createRefusalReporter({ store, now: Date.now, log: (l) => console.error(l) });
 * await refusals.report({ key: token.id, deployments: ["a", "b"], status: 403, code: "FORBIDDEN", reason: "...", tokenId: token.id, path: "/v1/ingest" });
 * ```
 */
import type { MonitorStore } from "./store/contract.ts";

export interface RefusalReport {
  /** What rate-limits the reports: a token id; all unknown tokens share one key (anyone can send as many as they like). */
  key: string;
  /** How the log names the sender (default `token <tokenId>`), e.g. an unknown token's prefix. */
  sender?: string;
  /** Deployments to record it under (none when the token is unknown: anyone can send one). */
  deployments: readonly string[];
  status: number;
  code: string;
  reason: string;
  tokenId: string | null;
  path: string;
}

export interface RefusalReporterOptions {
  store: MonitorStore;
  now: () => number;
  log: (line: string) => void;
  /** Minimum time between two reports of the same (key, deployment, status) (default 60 s). */
  intervalMs?: number;
}

export type RefusalReporter = ReturnType<typeof createRefusalReporter>;

/** Keys remembered at most; unknown tokens are attacker-chosen, so the map must not grow without bound. */
const MAX_KEYS = 1000;

export function createRefusalReporter(opts: RefusalReporterOptions) {
  const interval = opts.intervalMs ?? 60_000;
  const seen = new Map<string, { at: number; suppressed: number }>();

  async function report(r: RefusalReport): Promise<void> {
    const t = opts.now();
    const key = `${r.key}\u0000${r.deployments.join(",")}\u0000${r.status}`;
    const last = seen.get(key);
    if (last !== undefined && t - last.at < interval) {
      last.suppressed++;
      return;
    }
    if (seen.size >= MAX_KEYS) seen.clear();
    seen.set(key, { at: t, suppressed: 0 });
    const more = last !== undefined && last.suppressed > 0 ? ` (+${last.suppressed} more since the last report)` : "";
    const who = r.sender ?? `token ${r.tokenId ?? "(none)"}`;
    try {
      opts.log(`edge-ml monitor: refused ${r.path} from ${who}: ${r.status} ${r.code}: ${r.reason}${more}`);
    } catch {
      // a broken logger must not turn a refusal into a 500
    }
    for (const deployment of r.deployments) {
      await opts.store.recordRefusal({ deployment, at: t, status: r.status, code: r.code, reason: r.reason, tokenId: r.tokenId });
    }
  }

  return { report };
}
