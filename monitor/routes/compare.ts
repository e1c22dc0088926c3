/**
 * `GET /v1/compare?deployment=&model=[&from=&to=&step=1h&tolerance=0.01&alpha=0.05]`: champion vs challenger of one
 * model (issue 14), from monitor/analytics/compare.ts. Behind the admin guard like every read route. A bad or missing
 * parameter is a 400 naming it and how to fix it; a range without both arms' telemetry is a 404 with a hint.
 *
 * @example
 * ```sh
 * curl 'http://127.0.0.1:8787/v1/compare?deployment=titanic-dev&model=titanic&from=2026-01-01T00:00:00Z'
 * ```
 */
import { Hono } from "hono";
import { compareReport } from "../analytics/compare.ts";
import { parseAnalyticsQuery } from "../analytics/query.ts";
import { MonitorError } from "../http-error.ts";
import type { MonitorStore } from "../store/contract.ts";

export interface CompareRoutesOptions {
  store: MonitorStore;
  now: () => number;
  /** Default window (the monitor's `--window`). */
  windowMs: number;
}

/** A number query parameter within (min, max], or a 400 that names it and the accepted range. */
function numberParam(query: Record<string, string>, name: string, min: number, max: number, example: string): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= min || n > max) {
    throw new MonitorError(400, "INVALID_QUERY", `invalid query parameter ${name}`, {
      issues: [{ path: name, message: `expected a number above ${min} and at most ${max}, got "${raw}"` }],
      hint: `pass e.g. ${name}=${example}, or leave it out for the default`,
    });
  }
  return n;
}

export function compareRoutes(opts: CompareRoutesOptions): Hono {
  const app = new Hono();
  app.get("/v1/compare", async (c) => {
    const raw = c.req.query();
    const missing = ["deployment", "model"].filter((k) => raw[k] === undefined || raw[k] === "");
    if (missing.length > 0) {
      throw new MonitorError(400, "INVALID_QUERY", `missing query parameter${missing.length > 1 ? "s" : ""} ${missing.join(" and ")}`, {
        issues: missing.map((k) => ({ path: k, message: `required: the ${k} whose champion and challenger to compare` })),
        hint: "GET /v1/compare?deployment=<deployment>&model=<model name>, e.g. deployment=titanic-dev&model=titanic (GET /v1/deployments lists them)",
      });
    }
    const q = parseAnalyticsQuery(raw, opts.now(), { bucketMs: opts.store.profileBucketMs, defaultStepMs: opts.windowMs });
    const tolerance = numberParam(raw, "tolerance", -1e-300, Number.MAX_VALUE, "0.01");
    const alpha = numberParam(raw, "alpha", 0, 0.5, "0.05");
    const report = await compareReport(opts.store, {
      deployment: q.deployment,
      model: q.model ?? "",
      from: q.from,
      to: q.to,
      stepMs: q.stepMs,
      tolerance,
      alpha,
    });
    return c.json(report);
  });
  return app;
}
