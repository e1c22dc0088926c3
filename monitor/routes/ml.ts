/**
 * The ML-monitoring read API and baseline registration (all behind the admin guard):
 *
 * - `POST /v1/deployments/:name/baseline`, `POST /v1/deployments`: register a model version's baseline (and create
 *   the deployment's default alert rules);
 * - `GET /v1/drift`, `GET /v1/slices`, `GET /v1/prediction-rate`: from stored profiles only;
 * - `GET /v1/performance`: sampled rows joined with delayed labels.
 *
 * @example
 * ```sh
 * curl 'http://127.0.0.1:8787/v1/drift?deployment=prod&step=1h&from=2026-01-01T00:00:00Z'
 * ```
 */
import { Hono, type Context } from "hono";
import type * as z from "zod";
import { defaultRules } from "../alerts/rules.ts";
import { buildPerformance, type PerfTask } from "../analytics/performance.ts";
import { parseAnalyticsQuery, resolveSeries } from "../analytics/query.ts";
import { rateSeries } from "../analytics/rate.ts";
import { driftReport, slicesReport } from "../analytics/reports.ts";
import { jsonBody } from "../json-body.ts";
import { BaselineRegistration, DeploymentRegistration, inferConfig, ModelConfig } from "../registration.ts";
import type { MonitorStore } from "../store/contract.ts";

export interface MlRoutesOptions {
  store: MonitorStore;
  now: () => number;
  /** Default window of drift, rates and performance (the monitor's `--window`). */
  windowMs: number;
}

export function mlRoutes(opts: MlRoutesOptions): Hono {
  const { store } = opts;
  const app = new Hono();
  const query = (c: Context) => parseAnalyticsQuery(c.req.query(), opts.now(), { bucketMs: store.profileBucketMs, defaultStepMs: opts.windowMs });

  async function register(
    deployment: string,
    r: { model: string; version: string; baseline: z.output<typeof BaselineRegistration>["baseline"] | null } & Partial<ModelConfig>,
  ) {
    const at = opts.now();
    await store.ensureDeployment(deployment, at);
    if (r.baseline === null) return { deployment, model: r.model, version: r.version, baseline: false, config: null, rules: [] };
    const { model: _m, version: _v, baseline, ...rest } = r;
    const config = inferConfig(ModelConfig.parse(rest), baseline);
    await store.putBaseline({ deployment, model: r.model, version: r.version, baseline, config, registeredAt: at });
    const created = [];
    for (const rule of defaultRules(deployment, config.task, at)) if (await store.insertRuleIfAbsent(rule)) created.push(rule);
    return { deployment, model: r.model, version: r.version, baseline: true, config, rules: created };
  }

  // A baseline carries histograms of every feature: larger than most bodies, far smaller than a batch.
  const limits = { maxBytes: 8 * 1024 * 1024 };
  app.post("/v1/deployments/:name/baseline", jsonBody(BaselineRegistration, { what: "baseline registration", ...limits }), async (c) =>
    c.json(await register(c.req.param("name"), c.get("body")), 201),
  );
  app.post("/v1/deployments", jsonBody(DeploymentRegistration, { what: "deployment registration", ...limits }), async (c) => {
    const { deployment, target: _target, ...body } = c.get("body");
    return c.json(await register(deployment, body), 201);
  });
  app.get("/v1/deployments/:name/baselines", async (c) => c.json({ baselines: await store.baselines(c.req.param("name")) }));

  app.get("/v1/drift", async (c) =>
    c.json(await driftReport(store, query(c), { histograms: c.req.query("histograms") === "1" || c.req.query("histograms") === "true" })),
  );
  app.get("/v1/slices", async (c) => c.json(await slicesReport(store, query(c))));

  app.get("/v1/prediction-rate", async (c) => {
    const q = query(c);
    const series = await resolveSeries(store, q);
    const trailingWindows = Math.max(1, Math.ceil((q.trailingMs ?? 24 * q.stepMs) / q.stepMs));
    const rows = await store.profiles({
      deployment: q.deployment,
      model: series.model,
      version: series.version,
      from: q.from - trailingWindows * q.stepMs,
      to: q.to,
      slices: q.slice ? { key: q.slice.key } : "all",
    });
    const positiveLabel = series.record?.config.positiveLabel;
    const { measure, windows } = rateSeries(rows, { from: q.from, to: q.to, stepMs: q.stepMs, trailingWindows, positiveLabel });
    return c.json({
      deployment: q.deployment,
      model: series.model,
      version: series.version,
      from: q.from,
      to: q.to,
      stepMs: q.stepMs,
      trailingMs: trailingWindows * q.stepMs,
      measure,
      positiveLabel: positiveLabel ?? null,
      windows,
    });
  });

  app.get("/v1/performance", async (c) => {
    const q = query(c);
    const record = q.version !== undefined || q.model !== undefined ? (await resolveSeries(store, q)).record : (await store.baselines(q.deployment))[0];
    const rows = await store.labeledSamples({
      deployment: q.deployment,
      model: q.model ?? (q.version ? record?.model : undefined),
      version: q.version,
      from: q.from,
      to: q.to,
    });
    const config = record?.config;
    const task: PerfTask = config?.task === "regression" || config?.task === "multiclass" ? config.task : "binary";
    const slices = q.slice ? [q.slice.key] : (config?.slices ?? [...new Set(rows.flatMap((r) => Object.keys(r.slices ?? {})))].sort());
    const threshold = config?.threshold ?? 0.5;
    const perf = buildPerformance(rows, { from: q.from, to: q.to, stepMs: q.stepMs, task, positiveLabel: config?.positiveLabel, threshold, slices });
    return c.json({
      deployment: q.deployment,
      model: q.model ?? null,
      version: q.version ?? null,
      from: q.from,
      to: q.to,
      stepMs: q.stepMs,
      task,
      positiveLabel: config?.positiveLabel ?? null,
      threshold,
      slices,
      ...perf,
    });
  });
  return app;
}
