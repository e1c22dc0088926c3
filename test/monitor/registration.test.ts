/**
 * Baseline registration: the two routes (the documented contract `edge-ml dev` and `edge-ml deploy` use), what the
 * monitor infers, the default alert rules it creates once, and the admin rules.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerDeployment } from "../../cli/deploy/monitor.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { registerBaseline, registrationFromManifest } from "../../monitor/registration.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { testMonitor } from "./helpers.ts";

const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")));
const json = (body: unknown, token?: string) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

describe("baseline registration", () => {
  it("stores the baseline with inferred settings and creates the default rules once", async () => {
    const m = await testMonitor();
    const res = await m.app.request(
      "/v1/deployments/prod/baseline",
      json({ model: "titanic", version: "1.0.0", baseline: manifest.baseline, thresholds: { features: { age: { pValue: 0.001 } } } }),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { config: Record<string, unknown>; rules: { id: string; kind: string; params: Record<string, unknown> }[] };
    expect(body.config).toEqual({
      task: "binary",
      positiveLabel: "yes",
      thresholds: {
        pValue: 0.01,
        psi: 0.2,
        jensenShannon: 0.1,
        smallSampleLimit: 1000,
        minRows: 50,
        missingRateJump: 0.05,
        features: { age: { pValue: 0.001 } },
      },
    });
    expect(body.rules.map((r) => r.id)).toEqual(["drift", "error_rate", "latency_p99", "prediction_rate", "metric_drop"].map((k) => `prod:default:${k}`));
    expect(body.rules[0]!.params).toEqual({ consecutive: 3 });
    expect(body.rules[4]!.params).toMatchObject({ metric: "accuracy", maxDrop: 0.1 });

    // A user's edit of a default rule survives registering again (a redeploy).
    expect((await m.app.request("/v1/alerts/rules/prod:default:drift", { ...json({ params: { consecutive: 5 } }), method: "PUT" })).status).toBe(200);
    const again = (await (
      await m.app.request("/v1/deployments/prod/baseline", json({ model: "titanic", version: "1.0.0", baseline: manifest.baseline }))
    ).json()) as { rules: unknown[] };
    expect(again.rules).toEqual([]);
    const rules = (await (await m.get("/v1/alerts/rules?deployment=prod")).json()) as { rules: { id: string; params: Record<string, unknown> }[] };
    expect(rules.rules.find((r) => r.id === "prod:default:drift")!.params).toEqual({ consecutive: 5 });
    const stored = await m.store.baseline("prod", "titanic", "1.0.0");
    expect(stored?.baseline).toEqual(manifest.baseline);
    expect(stored?.config.thresholds.features).toEqual({}); // replaced by the second registration
  });

  it("takes the deploy command's body on POST /v1/deployments (a null baseline registers the deployment only)", async () => {
    const m = await testMonitor();
    const fetchApp = ((input: string | URL | Request, init?: RequestInit) =>
      Promise.resolve(m.app.request(String(input).replace("http://monitor.test", ""), init))) as typeof fetch;
    const r = await registerDeployment(
      "http://monitor.test",
      { deployment: "titanic-prod", model: "titanic", version: "1.0.0", baseline: manifest.baseline!, target: "worker" },
      undefined,
      fetchApp,
    );
    expect(r.status).toBe("registered");
    expect((await m.store.baselines("titanic-prod")).map((b) => `${b.model}@${b.version}`)).toEqual(["titanic@1.0.0"]);
    const none = await m.app.request("/v1/deployments", json({ deployment: "tensor-prod", model: "mlp", version: "0.1.0", baseline: null, target: "worker" }));
    expect(await none.json()).toMatchObject({ deployment: "tensor-prod", baseline: false, rules: [] });
    const deployments = (await (await m.get("/v1/deployments")).json()) as { deployments: { name: string }[] };
    expect(deployments.deployments.map((d) => d.name)).toEqual(["prod", "tensor-prod", "titanic-prod"]);
  });

  it("needs the admin token when the monitor has one; the ingest token does not do", async () => {
    const m = await testMonitor({ adminToken: "s3cret-admin" });
    const body = { model: "titanic", version: "1.0.0", baseline: manifest.baseline };
    expect((await m.app.request("/v1/deployments/prod/baseline", json(body))).status).toBe(401);
    expect((await m.app.request("/v1/deployments/prod/baseline", json(body, m.token))).status).toBe(401);
    expect((await m.app.request("/v1/deployments/prod/baseline", json(body, "s3cret-admin"))).status).toBe(201);
    const fetchApp = ((input: string | URL | Request, init?: RequestInit) =>
      Promise.resolve(m.app.request(String(input).replace("http://m", ""), init))) as typeof fetch;
    expect(await registerBaseline("http://m", "prod", body as never, undefined, fetchApp)).toMatchObject({ ok: false, status: 401 });
    expect(await registerBaseline("http://m", "prod", body as never, "s3cret-admin", fetchApp)).toMatchObject({ ok: true, status: 201 });
  });

  it("refuses an invalid baseline with every bad field", async () => {
    const m = await testMonitor();
    const bad = structuredClone(manifest.baseline!) as unknown as { rows: number; features: { age: { counts: number[] } } };
    bad.features.age.counts.pop();
    const res = await m.app.request("/v1/deployments/prod/baseline", json({ model: "titanic", version: "1.0.0", baseline: bad, thresholds: { pValue: 2 } }));
    expect(res.status).toBe(400);
    const issues = ((await res.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(["baseline.features.age.counts", "thresholds.pValue"]));
  });

  it("derives the registration from a manifest (task, slices, positive label and threshold of the threshold step)", () => {
    expect(registrationFromManifest(manifest)).toEqual({
      model: "titanic",
      version: "1.0.0",
      baseline: manifest.baseline,
      task: "binary",
      slices: ["passengerClass", "sex"],
      positiveLabel: "yes",
      threshold: 0.5,
    });
    expect(registrationFromManifest({ ...manifest, baseline: undefined })).toBeUndefined();
  });
});
