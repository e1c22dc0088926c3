/**
 * Webhook delivery from a durable outbox (`webhook_deliveries`): an alert event's notification is stored first, then
 * POSTed; a failure (network error, timeout, non-2xx) is retried with exponential backoff and jitter until
 * `maxAttempts`, and every attempt is logged (`webhook_attempts`). A monitor restarted mid-retry picks the pending
 * deliveries up again. Receivers should deduplicate by the `x-edge-ml-delivery` header: an attempt that timed out on
 * our side may have arrived.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher({ store, retryBaseMs: 1000 });
 * await dispatcher.run();            // send what is due now
 * await dispatcher.drain(10_000);    // tests: until nothing is pending (or 10 s passed)
 * ```
 */
import type { MonitorStore, WebhookDelivery } from "../store/contract.ts";

export interface DispatcherOptions {
  store: MonitorStore;
  fetch?: typeof fetch;
  /** Wall clock for scheduling retries (Date.now): separate from the monitor's data clock, which tests move. */
  clock?: () => number;
  /** Attempts per delivery (default 6). */
  maxAttempts?: number;
  /** First retry delay (default 1 s); doubles per attempt, with jitter, up to `maxDelayMs` (default 5 min). */
  retryBaseMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Dispatcher {
  /** Send every delivery that is due; resolves when those attempts are logged. */
  run(): Promise<number>;
  /** Run until nothing is pending or `timeoutMs` passed, sleeping until the next retry is due. */
  drain(timeoutMs: number): Promise<void>;
  /** Resolves when no run is in progress. */
  idle(): Promise<void>;
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const clock = opts.clock ?? Date.now;
  const fetchFn: typeof fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const maxAttempts = opts.maxAttempts ?? 6;
  const base = opts.retryBaseMs ?? 1000;
  const maxDelay = opts.maxDelayMs ?? 300_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let running: Promise<number> | undefined;

  async function attempt(d: WebhookDelivery): Promise<void> {
    const n = d.attempts + 1;
    const started = clock();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetchFn(d.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "edge-ml-monitor",
          "x-edge-ml-delivery": String(d.id),
          "x-edge-ml-attempt": String(n),
          "x-edge-ml-event": d.type,
        },
        body: d.payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    }
    const at = clock();
    // "Equal jitter": half the exponential delay fixed, half random, so retries of many events do not line up.
    const exp = Math.min(maxDelay, base * 2 ** (n - 1));
    const next =
      error === null
        ? { status: "delivered" as const, nextAttemptAt: at, deliveredAt: at }
        : n >= maxAttempts
          ? { status: "failed" as const, nextAttemptAt: at, deliveredAt: null }
          : { status: "pending" as const, nextAttemptAt: at + exp / 2 + random() * (exp / 2), deliveredAt: null };
    await opts.store.recordAttempt(d.id, { attempt: n, at: started, status, error: error?.slice(0, 500) ?? null, durationMs: at - started }, next);
  }

  async function runOnce(): Promise<number> {
    let sent = 0;
    for (;;) {
      const due = await opts.store.dueDeliveries(clock(), 20);
      if (due.length === 0) return sent;
      await Promise.all(due.map(attempt));
      sent += due.length;
    }
  }

  const run = () => {
    // One runner at a time: the interval and an on-demand evaluation must not send the same delivery twice.
    running ??= runOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    run,
    idle: async () => void (await running?.catch(() => 0)),
    async drain(limitMs) {
      const deadline = clock() + limitMs;
      for (;;) {
        await run();
        const pending = (await opts.store.listDeliveries({ limit: 1000 })).filter((d) => d.status === "pending");
        if (pending.length === 0 || clock() >= deadline) return;
        const next = Math.min(...pending.map((d) => d.nextAttemptAt));
        await sleep(Math.max(5, Math.min(next - clock(), deadline - clock())));
      }
    },
  };
}
