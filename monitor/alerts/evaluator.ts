/**
 * The alert evaluator: for every enabled rule, check its condition (./conditions.ts), open an event for each subject
 * that starts firing and resolve the open event of each subject that is back to normal; queue a webhook for both when
 * the rule has one (./webhooks.ts). Runs every N seconds inside the monitor process (`start`) and on demand
 * (`POST /v1/alerts/evaluate`). Evaluations never overlap.
 *
 * @example
 * ```ts
 * const alerting = createAlerting({ store, now: Date.now, windowMs: 3_600_000 });
 * const stop = alerting.start({ evaluateEveryMs: 60_000 });
 * const result = await alerting.evaluate(); // { opened: [...], resolved: [...], errors: [] }
 * ```
 */
import type { AlertEvent, MonitorStore } from "../store/contract.ts";
import { checkRule } from "./conditions.ts";
import type { AlertRule } from "./rules.ts";
import { createDispatcher, type DispatcherOptions } from "./webhooks.ts";

export interface AlertingOptions {
  store: MonitorStore;
  /** The data clock: which windows are complete (tests move it). */
  now: () => number;
  /** Default window of rules that name none. */
  windowMs: number;
  webhooks?: Omit<DispatcherOptions, "store">;
}

export interface EvaluationResult {
  evaluatedAt: number;
  rules: number;
  opened: AlertEvent[];
  resolved: AlertEvent[];
  errors: { ruleId: string; message: string }[];
}

export type Alerting = ReturnType<typeof createAlerting>;

const keyOf = (e: { model: string; version: string; subject: string }) => `${e.model}@${e.version}\u0000${e.subject}`;

export function createAlerting(opts: AlertingOptions) {
  const { store } = opts;
  const dispatcher = createDispatcher({ store, ...opts.webhooks });
  let evaluating: Promise<EvaluationResult> | undefined;

  async function notify(rule: AlertRule, event: AlertEvent, type: "alert.opened" | "alert.resolved"): Promise<void> {
    if (rule.webhook === null) return;
    const payload = JSON.stringify({ type, deployment: rule.deployment, rule: { id: rule.id, kind: rule.kind, name: rule.name }, event });
    await store.enqueueDelivery({ eventId: event.id, ruleId: rule.id, url: rule.webhook, type, payload, at: (opts.webhooks?.clock ?? Date.now)() });
  }

  async function evaluateRule(rule: AlertRule, now: number, result: EvaluationResult): Promise<void> {
    const findings = await checkRule(rule, { store, now, windowMs: opts.windowMs });
    const open = new Map((await store.openEvents(rule.id)).map((e) => [keyOf(e), e]));
    for (const f of findings) {
      const existing = open.get(keyOf(f));
      if (f.state === "firing" && existing === undefined) {
        const event = await store.insertEvent({
          ruleId: rule.id,
          deployment: rule.deployment,
          kind: rule.kind,
          subject: f.subject,
          model: f.model,
          version: f.version,
          openedAt: now,
          value: f.value,
          threshold: f.threshold,
          message: f.message,
          details: f.details,
        });
        result.opened.push(event);
        await notify(rule, event, "alert.opened");
      } else if (f.state === "ok" && existing !== undefined) {
        const event = await store.resolveEvent(existing.id, now, `resolved: ${f.message}`);
        if (event) {
          result.resolved.push(event);
          await notify(rule, event, "alert.resolved");
        }
      }
    }
  }

  async function evaluateOnce(): Promise<EvaluationResult> {
    const now = opts.now();
    const rules = await store.listRules();
    const result: EvaluationResult = { evaluatedAt: now, rules: rules.length, opened: [], resolved: [], errors: [] };
    const enabled = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    for (const rule of enabled.values()) {
      try {
        await evaluateRule(rule, now, result);
      } catch (error) {
        // One broken rule (or deployment) must not stop the others from being evaluated.
        result.errors.push({ ruleId: rule.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
    // Events of rules that were disabled or deleted are resolved: nobody watches them any more.
    for (const e of await store.openEvents()) {
      if (enabled.has(e.ruleId)) continue;
      const event = await store.resolveEvent(e.id, now, `resolved: rule ${rules.some((r) => r.id === e.ruleId) ? "disabled" : "deleted"}`);
      if (event) result.resolved.push(event);
    }
    return result;
  }

  function evaluate(): Promise<EvaluationResult> {
    evaluating ??= evaluateOnce().finally(() => {
      evaluating = undefined;
    });
    return evaluating;
  }

  return {
    evaluate,
    deliver: dispatcher.run,
    drain: dispatcher.drain,
    /**
     * Evaluate every `evaluateEveryMs` and send due webhooks every `deliverEveryMs`; returns a stop function that
     * resolves once the evaluation and deliveries in progress are done (so the store can be closed after it).
     */
    start(o: {
      evaluateEveryMs: number;
      deliverEveryMs?: number;
      onError?: (error: unknown) => void;
      /** Of several monitors on one database, run only while this resolves true (a store lease); default: always. */
      lease?: () => Promise<boolean>;
    }): () => Promise<void> {
      const onError = o.onError ?? ((error: unknown) => console.error("edge-ml monitor: alert evaluation failed:", error));
      const lease = o.lease ?? (async () => true);
      const evaluateTimer = setInterval(
        () =>
          void lease()
            .then((held) => (held ? evaluate().then(() => dispatcher.run()) : undefined))
            .catch(onError),
        o.evaluateEveryMs,
      );
      const deliverTimer = setInterval(
        () =>
          void lease()
            .then((held) => (held ? dispatcher.run() : undefined))
            .catch(onError),
        o.deliverEveryMs ?? Math.min(1000, o.evaluateEveryMs),
      );
      return async () => {
        clearInterval(evaluateTimer);
        clearInterval(deliverTimer);
        await evaluating?.catch(() => undefined);
        await dispatcher.idle();
      };
    },
  };
}
