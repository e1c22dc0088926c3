/**
 * `edge-ml deploy` in-process: the gate (refusals with a hint, force needs a reason), missing credentials, the
 * deploy log, and the monitor registration client. The wrangler runs are in test/integration/deploy-dry-run.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tomlVars } from "../../../cli/deploy/deploy.ts";
import { deploymentRegistration, registerDeployment } from "../../../cli/deploy/monitor.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { DeploymentRegistration, registrationFromManifest } from "../../../monitor/registration.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";
import { wranglerDeployArgs } from "../../../targets/worker/wrangler.ts";
import { runCli } from "../../helpers/cli.ts";
import { manifestFile, titanicProject } from "../../helpers/validate-project.ts";

const logLines = (dir: string) =>
  existsSync(join(dir, "deploys.log.jsonl"))
    ? readFileSync(join(dir, "deploys.log.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

describe("edge-ml deploy: the gate", () => {
  const token = process.env["CLOUDFLARE_API_TOKEN"];
  beforeAll(() => void delete process.env["CLOUDFLARE_API_TOKEN"]);
  afterAll(() => {
    if (token !== undefined) process.env["CLOUDFLARE_API_TOKEN"] = token;
  });

  it("refuses a version that was never validated, with a hint, and logs the attempt", async () => {
    const dir = titanicProject();
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ titanic@1.0.0 cannot be deployed: it has no validation result
        • validation: missing: the version was never validated
        hint: run \`npx edge-ml validate titanic@1.0.0 --data <eval.csv>\` until it is blessed, or deploy anyway with --force --reason "<why>" (recorded in deploys.log.jsonl)"
    `);
    expect(logLines(dir)).toMatchObject([
      { model: "titanic", version: "1.0.0", target: "worker", dryRun: true, forced: false, reason: null, result: "refused" },
    ]);
  });

  it("refuses a version that is not blessed, listing the failing checks", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.75, slices: true }] } });
    expect((await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--resamples", "100"], dir)).code).toBe(1);
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.replace(/validated \S+ on/, "validated <date> on")).toMatchInlineSnapshot(`
      "✖ titanic@1.0.0 cannot be deployed: it is not blessed (validated <date> on eval.csv)
        • validation.checks[4]: roc_auc 0.7288 < 0.75 on passengerClass=3rd (175 rows)
        hint: run \`npx edge-ml validate titanic@1.0.0 --data <eval.csv>\` until it is blessed, or deploy anyway with --force --reason "<why>" (recorded in deploys.log.jsonl)"
    `);
  });

  it("refuses a validation recorded for other model bytes", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
    expect((await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--resamples", "100"], dir)).code).toBe(0);
    const file = manifestFile(dir, "1.0.0");
    writeFileSync(file, readFileSync(file, "utf8").replace(/"artifactSha256": "[0-9a-f]+"/, `"artifactSha256": "${"0".repeat(64)}"`));
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot be deployed: its validation result belongs to other model bytes");
  });

  it("--force without --reason (or --reason without --force) is a usage error, and nothing is logged", async () => {
    const dir = titanicProject();
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run", "--force"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ --force needs --reason: overriding the deploy gate is recorded with why
        hint: e.g. --force --reason "hotfix for incident 1234; validated by hand""
    `);
    const blank = await runCli(["deploy", "titanic@1.0.0", "--force", "--reason", "  "], dir);
    expect(blank.stderr).toContain("--force needs --reason");
    const lone = await runCli(["deploy", "titanic@1.0.0", "--reason", "why"], dir);
    expect(lone.stderr).toContain("--reason only goes with --force");
    expect(logLines(dir)).toEqual([]);
  });

  it("a real deploy without credentials (no CLOUDFLARE_API_TOKEN, no `wrangler login`) is a user error naming both fixes", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
    expect((await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--resamples", "100"], dir)).code).toBe(0);
    // wrangler looks for a `wrangler login` under HOME / XDG_CONFIG_HOME: point both at an empty folder.
    const saved = { HOME: process.env["HOME"], XDG_CONFIG_HOME: process.env["XDG_CONFIG_HOME"] };
    process.env["HOME"] = process.env["XDG_CONFIG_HOME"] = join(dir, "no-login");
    const r = await runCli(["deploy", "titanic@1.0.0"], dir).finally(() => {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    });
    expect(r.code).toBe(1);
    // wrangler's own refusal streams past as it comes; the last word is ours, with both ways to fix it.
    expect(r.stderr).toContain("CLOUDFLARE_API_TOKEN environment variable for wrangler to work");
    expect(r.stderr.split("\n").slice(-2).join("\n")).toMatchInlineSnapshot(`
      "✖ wrangler has no Cloudflare credentials to deploy with
        hint: run \`npx wrangler login\` once on this machine, or export CLOUDFLARE_API_TOKEN (a token from the "Edit Cloudflare Workers" template, dash.cloudflare.com/profile/api-tokens) and CLOUDFLARE_ACCOUNT_ID; check the bundle first with --dry-run"
    `);
    expect(logLines(dir)).toMatchObject([
      { result: "failed", dryRun: false, worker: "titanic", error: "wrangler has no Cloudflare credentials to deploy with", gate: "blessed" },
    ]);
    expect(existsSync(join(dir, "models", "titanic", "aliases.json"))).toBe(false);
  });
});

describe("deploy helpers", () => {
  it("wrangler arguments carry the name, routes, vars (colons kept) and the dry-run outdir", () => {
    expect(wranglerDeployArgs({ name: "t", routes: ["a.com/*"], vars: { URL: "https://m:1" }, dryRun: true, outDir: "up" })).toEqual([
      "deploy",
      "--config",
      "wrangler.toml",
      "--name",
      "t",
      "--route",
      "a.com/*",
      "--var",
      "URL:https://m:1",
      "--dry-run",
      "--outdir",
      "up",
    ]);
  });

  it("reads the [vars] of the build's wrangler.toml", () => {
    expect(tomlVars('name = "x"\n[vars]\nA = "1"\n# c\nB = "a \\"q\\""\n[[rules]]\nC = "no"\n')).toEqual({ A: "1", B: 'a "q"' });
  });

  it("registers with the monitor: bearer token and body; 404 is 'unsupported', other failures are reported", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const answer = (status: number) =>
      (async (url: string | URL | Request, init?: RequestInit) => {
        seen.push({ url: String(url), init: init ?? {} });
        return new Response(status === 201 ? "{}" : "nope", { status });
      }) as typeof fetch;
    const body = { deployment: "titanic", model: "titanic", version: "1.0.0", baseline: null, target: "worker" as const };
    expect(await registerDeployment("http://m.test/", body, "tok", answer(201))).toEqual({
      status: "registered",
      message: "registered titanic with the monitor (http://m.test/v1/deployments)",
    });
    expect(seen[0]?.url).toBe("http://m.test/v1/deployments");
    expect(seen[0]?.init.headers).toEqual({ "content-type": "application/json", authorization: "Bearer tok" });
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual(body);
    expect((await registerDeployment("http://m.test", body, "tok", answer(404))).status).toBe("unsupported");
    const denied = await registerDeployment("http://m.test", body, undefined, answer(401));
    expect(denied.status).toBe("failed");
    expect(denied.message).toContain("set EDGE_ML_MONITOR_ADMIN_TOKEN");
    const down = await registerDeployment("http://m.test", body, undefined, (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch);
    expect(down).toEqual({ status: "failed", message: "cannot reach the monitor at http://m.test/v1/deployments: fetch failed" });
  });

  it("registers what dev registers (baseline, task, slices, threshold), plus the deployment and its target", () => {
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")));
    const body = deploymentRegistration(manifest, "titanic-prod", "worker");
    expect(body).toEqual({ deployment: "titanic-prod", target: "worker", ...registrationFromManifest(manifest) });
    expect(body).toMatchObject({ task: "binary", slices: ["passengerClass", "sex"], positiveLabel: "yes", threshold: 0.5 });
    expect(DeploymentRegistration.safeParse(body).success).toBe(true);
    const bare = deploymentRegistration(Manifest.parse({ ...manifest, baseline: undefined }), "t", "worker");
    expect(bare).toEqual({ deployment: "t", target: "worker", model: "titanic", version: "1.0.0", baseline: null });
  });
});
