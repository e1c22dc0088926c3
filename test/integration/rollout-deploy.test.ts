/**
 * `edge-ml rollout promote|rollback` for real, with the pinned wrangler talking to the local stand-in of Cloudflare's
 * API (test/helpers/cloudflare-api.ts), as deploy-real.test.ts does for `deploy`. Promote ships the configured
 * challenger alone at 100% and only then moves `champion`; a refused upload (5xx), a refused deployment (4xx) or an
 * API that never answers leave the alias and the traffic where they were, with a `failed` line in the log. Every
 * attempt is logged with its action, who, when, why and from → to; status tells a finished rollout; rollback returns
 * to the champion before and refuses when the log knows none; `rollback --to <champion>` withdraws a live challenger.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { promote } from "../../cli/rollout/promote.ts";
import { EdgeMlError } from "../../core/errors.ts";
import { type CloudflareApi, startCloudflareApi } from "../helpers/cloudflare-api.ts";
import { runCli } from "../helpers/cli.ts";
import { championOf, deployLog, stubDeployEnv } from "../helpers/deploy-project.ts";
import { addVersion, titanicProject } from "../helpers/validate-project.ts";

const WORKER = "titanic-edge";

describe("edge-ml rollout promote|rollback against a stand-in of the Cloudflare API", () => {
  let api: CloudflareApi;
  const dir = titanicProject({
    gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] },
    targets: { worker: { name: WORKER } },
    telemetry: { endpoint: "http://127.0.0.1:9", sampleRate: 0.05, redact: [] },
    models: { titanic: { rollout: { challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "header:x-user-id" } } },
  });
  addVersion(dir, "1.1.0");
  const out = ["--out", "dist/rollout"];
  const deploymentVersion = () => {
    const d = api.currentDeployment(WORKER);
    const id = d?.versions[0]?.version_id;
    const v = api.workers.get(WORKER)?.versions.find((x) => x.id === id);
    return { percentages: d?.versions.map((x) => x.percentage), model: v?.resources.bindings.find((b) => b.name === "EDGE_ML_MODEL")?.text };
  };

  beforeAll(async () => {
    api = await startCloudflareApi();
    stubDeployEnv(api, dir);
    expect((await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--resamples", "200"], dir)).code).toBe(0);
    const first = await runCli(["deploy", "titanic@1.0.0", ...out], dir);
    expect(first.stderr).not.toContain("✖");
    expect(first.code).toBe(0);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("the first deploy is logged as a deploy from no champion to 1.0.0, by $USER", () => {
    expect(championOf(dir)).toBe("1.0.0");
    expect(deployLog(dir).at(-1)).toMatchObject({ action: "deploy", who: "ada", from: null, to: "1.0.0", version: "1.0.0", result: "success" });
    expect(deploymentVersion()).toEqual({ percentages: [100], model: "titanic@1.0.0" });
  });

  it("refuses to promote a challenger that is not blessed: exit 1, a hint, a refused promote in the log, nothing sent", async () => {
    api.requests.length = 0;
    const r = await runCli(["rollout", "promote", "titanic"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✖ titanic@1.1.0 cannot be promoted: it has no validation result");
    expect(r.stderr).toContain('promote anyway with `npx edge-ml rollout promote titanic --force --reason "<why>"`');
    expect(api.requests).toEqual([]);
    expect(championOf(dir)).toBe("1.0.0");
    expect(deployLog(dir).at(-1)).toMatchObject({ action: "promote", who: "ada", from: "1.0.0", version: "1.1.0", result: "refused" });
    const status = JSON.parse((await runCli(["rollout", "status", "titanic", "--json"], dir)).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      champion: "1.0.0",
      finished: false,
      challenger: { version: "1.1.0", mode: "canary", share: 0.1, sticky: "header:x-user-id", blessed: false },
      live: { version: "1.0.0", action: "deploy", who: "ada" },
      compare: "http://127.0.0.1:9/v1/compare?deployment=titanic-edge&model=titanic",
    });
    // A canary challenger answers real users: a build that carries an unblessed one is refused too.
    const canary = await runCli(["deploy", "titanic", "--dry-run", ...out], dir);
    expect(canary.code).toBe(1);
    expect(canary.stderr).toContain("✖ titanic@1.0.0 cannot be deployed: its canary challenger titanic@1.1.0 is not deployable: it has no validation result");
    expect(deployLog(dir).at(-1)).toMatchObject({ action: "deploy", version: "1.0.0", challenger: "titanic@1.1.0", result: "refused" });
    expect((await runCli(["validate", "titanic@1.1.0", "--data", "eval.csv", "--resamples", "200"], dir)).code).toBe(0);
  });

  describe("when the API refuses or does not answer, champion stays put", () => {
    const expectStayed = (error: unknown) => {
      expect(error).toBeInstanceOf(EdgeMlError);
      expect((error as EdgeMlError).code).toBe("ERR_DEPLOY_FAILED");
      expect(championOf(dir)).toBe("1.0.0");
      expect(deploymentVersion()).toEqual({ percentages: [100], model: "titanic@1.0.0" });
      const last = deployLog(dir).at(-1);
      expect(last).toMatchObject({ action: "promote", from: "1.0.0", version: "1.1.0", result: "failed" });
      expect(last).not.toHaveProperty("to");
    };
    const attempt = (env?: Record<string, string>) =>
      promote({
        root: dir,
        name: "titanic",
        dryRun: false,
        measure: false,
        out: join(dir, "dist", "rollout"),
        ...(env ? { env: { ...process.env, ...env } } : {}),
      }).catch((e: unknown) => e);
    afterAll(() => api.clear());

    it("a 5xx on the upload", async () => {
      api.clear();
      api.fail("POST scripts/:name/versions", { status: 503, code: 10013, message: "Service temporarily unavailable" });
      const error = await attempt();
      expect((error as EdgeMlError).message).toContain('"Service temporarily unavailable [code: 10013]"');
      expectStayed(error);
    });

    it("a 4xx on the deployment (the version was uploaded, never sent traffic)", async () => {
      api.clear();
      api.fail("POST scripts/:name/deployments", { status: 409, code: 10223, message: "a deployment is already in progress" });
      const error = await attempt();
      expect((error as EdgeMlError).message).toContain('"a deployment is already in progress [code: 10223]"');
      expectStayed(error);
    });

    it("an API that never answers: wrangler is stopped after EDGE_ML_WRANGLER_TIMEOUT", async () => {
      api.clear();
      api.requests.length = 0;
      api.fail("POST scripts/:name/versions", { hang: true });
      // 25 s: wrangler reaches the upload in ~10 s on 2 cores at load 9, under 20 s at load 14; the upload is asserted
      // to have been sent, so wrangler stopped before it (a different failure) cannot pass for this one.
      const error = await attempt({ EDGE_ML_WRANGLER_TIMEOUT: "25" });
      expect(api.requests.some((q) => q.route === "POST scripts/:name/versions")).toBe(true);
      expect((error as EdgeMlError).message).toContain("timed out: wrangler had no answer from the Cloudflare API after 25 s");
      expectStayed(error);
    });
  });

  it("a deploy of the champion carries the config's challenger (logged); rollback --to the champion withdraws it", async () => {
    api.clear();
    api.requests.length = 0;
    const r = await runCli(["deploy", "titanic", ...out], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    const upload = api.requests.find((q) => q.route === "POST scripts/:name/versions");
    expect((upload?.parts ?? []).map((p) => p.name).filter((n) => n.startsWith("challenger"))).not.toEqual([]);
    expect(deployLog(dir).at(-1)).toMatchObject({ action: "deploy", from: "1.0.0", to: "1.0.0", challenger: "titanic@1.1.0", result: "success" });
    const status = await runCli(["rollout", "status", "titanic"], dir);
    expect(status.stdout).toMatch(/ {2}live {8}1\.0\.0 with challenger titanic@1\.1\.0, deploy \S+ by ada/);

    api.requests.length = 0;
    const back = await runCli(["rollout", "rollback", "titanic", "--to", "1.0.0", "--reason", "challenger errors", ...out], dir);
    expect(back.stderr).not.toContain("✖");
    expect(back.code).toBe(0);
    const alone = api.requests.find((q) => q.route === "POST scripts/:name/versions");
    expect((alone?.parts ?? []).map((p) => p.name).filter((n) => n.startsWith("challenger"))).toEqual([]);
    expect(deploymentVersion()).toEqual({ percentages: [100], model: "titanic@1.0.0" });
    const last = deployLog(dir).at(-1);
    expect(last).toMatchObject({ action: "rollback", from: "1.0.0", to: "1.0.0", reason: "challenger errors", result: "success" });
    expect(last).not.toHaveProperty("challenger");
  });

  it("promote: the challenger alone at 100%, then champion → 1.1.0, logged with who, why, from and to", async () => {
    api.clear();
    api.requests.length = 0;
    const r = await runCli(["rollout", "promote", "titanic", "--reason", "canary clean for a week", ...out], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^✔ deployed titanic@1\.1\.0 to Worker "titanic-edge"/);
    expect(r.stdout).toContain("champion 1.0.0 → 1.1.0 (promote by ada); logged in deploys.log.jsonl");
    expect(api.unknown).toEqual([]);
    // Served alone: no challenger file in the upload, the new champion's model at 100%.
    const upload = api.requests.find((q) => q.route === "POST scripts/:name/versions");
    expect(upload?.metadata?.["annotations"]).toEqual({ "workers/message": "edge-ml rollout promote titanic@1.1.0" });
    expect((upload?.parts ?? []).map((p) => p.name).filter((n) => n.startsWith("challenger"))).toEqual([]);
    expect(deploymentVersion()).toEqual({ percentages: [100], model: "titanic@1.1.0" });
    expect(championOf(dir)).toBe("1.1.0");
    const last = deployLog(dir).at(-1);
    expect(last).toMatchObject({
      action: "promote",
      who: "ada",
      reason: "canary clean for a week",
      from: "1.0.0",
      to: "1.1.0",
      version: "1.1.0",
      worker: WORKER,
      result: "success",
      dryRun: false,
    });
    expect(Number.isNaN(Date.parse(String(last?.["time"])))).toBe(false);
    expect(last).not.toHaveProperty("challenger");
  });

  it("status after promote: the rollout is finished, and says to remove or update it", async () => {
    const r = await runCli(["rollout", "status", "titanic"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  champion    1.1.0");
    expect(r.stdout).toContain("  challenger  titanic@1.1.0: promoted");
    expect(r.stdout).toMatch(/ {2}live {8}1\.1\.0 alone, promote \S+ by ada \(canary clean for a week\)/);
    expect(r.stdout).toContain("next: the rollout is finished (titanic@1.1.0 is the champion): remove models.titanic.rollout");
    const again = await runCli(["rollout", "promote", "titanic"], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("✖ titanic@1.1.0 already is the champion: the rollout was promoted");
  });

  it("rollback: back to the champion before (1.0.0) at 100%, logged; a second rollback finds no earlier champion", async () => {
    api.requests.length = 0;
    const r = await runCli(["rollout", "rollback", "titanic", "--reason", "p99 latency doubled", ...out], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("champion 1.1.0 → 1.0.0 (rollback by ada)");
    expect(deploymentVersion()).toEqual({ percentages: [100], model: "titanic@1.0.0" });
    expect(championOf(dir)).toBe("1.0.0");
    expect(deployLog(dir).at(-1)).toMatchObject({
      action: "rollback",
      who: "ada",
      reason: "p99 latency doubled",
      from: "1.1.0",
      to: "1.0.0",
      result: "success",
    });
    const again = await runCli(["rollout", "rollback", "titanic"], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("✖ no previous champion of titanic to roll back to: deploys.log.jsonl has no champion before 1.0.0");
    expect(again.stderr).toContain("npx edge-ml rollout rollback titanic --to <version>");
  });
});
