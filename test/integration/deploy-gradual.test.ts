/**
 * `edge-ml deploy <ref> --gradual <share>` for real, with the pinned wrangler talking to the local stand-in of
 * Cloudflare's API (test/helpers/cloudflare-api.ts): the champion and the challenger are uploaded as two Worker
 * versions (each serving its model alone, with its arm in EDGE_ML_ROLLOUT_ARM for the monitor), one deployment splits
 * the traffic, the champion alias stays; `rollout status` shows the split, `rollout promote` (no config rollout) ships
 * the split's challenger at 100% and moves the alias. The dry run sends nothing and prints the plan.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CloudflareApi, startCloudflareApi } from "../helpers/cloudflare-api.ts";
import { runCli } from "../helpers/cli.ts";
import { championOf, deployLog, stubDeployEnv } from "../helpers/deploy-project.ts";
import { addVersion, titanicProject } from "../helpers/validate-project.ts";

const WORKER = "titanic-split";

describe("edge-ml deploy --gradual against a stand-in of the Cloudflare API", () => {
  let api: CloudflareApi;
  const dir = titanicProject({
    gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] },
    targets: { worker: { name: WORKER } },
    telemetry: { endpoint: "http://127.0.0.1:9", sampleRate: 0.05, redact: [] },
  });
  addVersion(dir, "1.1.0");
  const out = ["--out", "dist/split"];
  /** The serving deployment: per version its percentage, model and arm var. */
  const split = () => {
    const d = api.currentDeployment(WORKER);
    return (d?.versions ?? []).map((x) => {
      const v = api.workers.get(WORKER)?.versions.find((y) => y.id === x.version_id);
      const text = (name: string) => v?.resources.bindings.find((b) => b.name === name)?.text;
      return { percentage: x.percentage, model: text("EDGE_ML_MODEL"), arm: text("EDGE_ML_ROLLOUT_ARM") };
    });
  };

  beforeAll(async () => {
    api = await startCloudflareApi();
    stubDeployEnv(api, dir);
    for (const v of ["1.0.0", "1.1.0"]) expect((await runCli(["validate", `titanic@${v}`, "--data", "eval.csv", "--resamples", "200"], dir)).code).toBe(0);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("refuses a split without a champion, of the champion itself, or with a share that is not one", async () => {
    const none = await runCli(["deploy", "titanic@1.1.0", "--gradual", "10%", ...out], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("✖ titanic has no champion to share the traffic with");
    expect(none.stderr).toContain("deploy the champion first: npx edge-ml deploy titanic@<version>");
    const first = await runCli(["deploy", "titanic@1.0.0", ...out], dir);
    expect(first.stderr).not.toContain("✖");
    expect(first.code).toBe(0);
    const self = await runCli(["deploy", "titanic@1.0.0", "--gradual", "0.1", ...out], dir);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain("titanic@1.0.0 already is the champion");
    for (const bad of ["100%", "0", "1.5", "ten"]) {
      const r = await runCli(["deploy", "titanic@1.1.0", "--gradual", bad, ...out], dir);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--gradual ${bad}: a challenger's share is a percentage between 0 and 100`);
    }
    expect(split()).toEqual([{ percentage: 100, model: "titanic@1.0.0", arm: undefined }]);
  });

  it("--dry-run sends nothing to the API and prints the plan", async () => {
    api.requests.length = 0;
    const r = await runCli(["deploy", "titanic@1.1.0", "--gradual", "10%", "--dry-run", ...out], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(api.requests).toEqual([]);
    expect(r.stdout).toContain(
      `would upload titanic@1.0.0 (EDGE_ML_ROLLOUT_ARM=champion) and titanic@1.1.0 (EDGE_ML_ROLLOUT_ARM=challenger) as new versions of Worker ${WORKER}; then deploy <titanic@1.0.0>@90% <titanic@1.1.0>@10%`,
    );
    expect(championOf(dir)).toBe("1.0.0");
  });

  it("uploads both versions with their arm, splits 90/10 in one deployment, and leaves the champion alias", async () => {
    api.requests.length = 0;
    const r = await runCli(["deploy", "titanic@1.1.0", "--gradual", "10%", ...out], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(api.unknown).toEqual([]);
    const uploads = api.requests.filter((q) => q.route === "POST scripts/:name/versions");
    expect(uploads).toHaveLength(2);
    // Each version serves its model alone: no challenger files in either upload.
    for (const u of uploads) expect((u.parts ?? []).map((p) => p.name).filter((n) => n.startsWith("challenger"))).toEqual([]);
    expect(api.requests.filter((q) => q.route === "POST scripts/:name/deployments")).toHaveLength(1);
    expect(split()).toEqual([
      { percentage: 90, model: "titanic@1.0.0", arm: "champion" },
      { percentage: 10, model: "titanic@1.1.0", arm: "challenger" },
    ]);
    expect(r.stdout.split("\n")[0]).toBe(`✔ titanic@1.1.0 serves 10% of Worker "${WORKER}" beside the champion 1.0.0 (90%)`);
    expect(championOf(dir)).toBe("1.0.0");
    const last = deployLog(dir).at(-1);
    expect(last).toMatchObject({
      action: "deploy",
      version: "1.1.0",
      from: "1.0.0",
      to: "1.0.0",
      result: "success",
      split: { champion: { version: "1.0.0", percentage: 90 }, challenger: { version: "1.1.0", percentage: 10 } },
    });
    const status = JSON.parse((await runCli(["rollout", "status", "titanic", "--json"], dir)).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ champion: "1.0.0", challenger: null, live: { version: "1.1.0", split: { challenger: { percentage: 10 } } } });
    const text = await runCli(["rollout", "status", "titanic"], dir);
    expect(text.stdout).toMatch(/ {2}live {8}platform split: 1\.0\.0 90%, 1\.1\.0 10% \(deploy --gradual \S+ by ada\)/);
    expect(text.stdout).toContain("next: promote it: npx edge-ml rollout promote titanic   (100% 1.1.0");
  });

  it("rollout promote ships the split's challenger at 100% and moves the alias; rollback returns to 1.0.0", async () => {
    const r = await runCli(["rollout", "promote", "titanic", "--reason", "split clean", ...out], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(split()).toEqual([{ percentage: 100, model: "titanic@1.1.0", arm: undefined }]);
    expect(championOf(dir)).toBe("1.1.0");
    expect(deployLog(dir).at(-1)).toMatchObject({ action: "promote", from: "1.0.0", to: "1.1.0", result: "success" });
    // The split did not move the champion: the champion before 1.1.0 is 1.0.0.
    const back = await runCli(["rollout", "rollback", "titanic", "--reason", "undo", ...out], dir);
    expect(back.stderr).not.toContain("✖");
    expect(back.code).toBe(0);
    expect(championOf(dir)).toBe("1.0.0");
  });
});
