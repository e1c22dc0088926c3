/**
 * One Worker name per model: the wrangler.toml `build` writes, `deploy`'s --name and the telemetry deployment all come
 * from `workerName`; environments follow wrangler's `[env.<name>]` convention; wrangler's refusal without credentials
 * is recognized.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tomlVars } from "../../../cli/deploy/deploy.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";
import { scopedSettings, withEnvironment } from "../../../targets/config.ts";
import { workerName } from "../../../targets/worker/name.ts";
import { isAuthFailure, wranglerDeployArgs } from "../../../targets/worker/wrangler.ts";
import { renderWranglerToml } from "../../../targets/worker/wrangler-config.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Manifest;
const tomlName = (toml: string, section = "") => {
  const from = section === "" ? 0 : toml.indexOf(`[${section}]`);
  return /^name = "([^"]+)"$/m.exec(toml.slice(from))?.[1];
};

describe("workerName", () => {
  it("is the config's name, else the model's; an environment is its own name, else <name>-<env>", () => {
    expect(workerName("titanic", undefined)).toBe("titanic");
    expect(workerName("titanic", { name: "titanic-edge" })).toBe("titanic-edge");
    expect(workerName("titanic", { name: "titanic-edge" }, "staging")).toBe("titanic-edge-staging");
    expect(workerName("titanic", { env: { staging: { name: "ml-staging" } } }, "staging")).toBe("ml-staging");
  });

  it("the repository's own wrangler.toml names the example's Worker the same way", () => {
    expect(tomlName(readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8"))).toBe(workerName(manifest.name, undefined));
  });
});

describe("the build's wrangler.toml", () => {
  const config = { name: "titanic-edge", vars: { LOG_LEVEL: "info" }, env: { staging: {}, canary: { name: "titanic-canary" } } };
  const toml = renderWranglerToml({ main: "worker.js", manifest, config });

  it("carries the one name, and one [env.<name>] section per environment with its name and vars", () => {
    expect(tomlName(toml)).toBe("titanic-edge");
    expect(tomlName(toml, "env.staging")).toBe("titanic-edge-staging");
    expect(tomlName(toml, "env.canary")).toBe("titanic-canary");
    const vars = { EDGE_ML_MODEL: "titanic@1.0.0", EDGE_ML_MONITOR_URL: "", EDGE_ML_SAMPLE_RATE: "0.01" };
    expect(tomlVars(toml)).toEqual({ ...vars, EDGE_ML_DEPLOYMENT: "titanic-edge" });
    expect(tomlVars(toml, "staging")).toEqual({ ...vars, EDGE_ML_DEPLOYMENT: "titanic-edge-staging" });
  });

  it("without a config, the model's name and no environments", () => {
    const plain = renderWranglerToml({ main: "worker.js", manifest, config: undefined });
    expect(tomlName(plain)).toBe("titanic");
    expect(plain).not.toContain("[env.");
  });
});

describe("deploy settings per environment", () => {
  const config = { routes: ["a.com/*"], vars: { A: "1", B: "top" }, env: { staging: { vars: { B: "staging" } } } };
  it("an environment keeps the top level's vars under its own, and never its routes", () => {
    expect(scopedSettings(config)).toEqual({ routes: ["a.com/*"], vars: { A: "1", B: "top" } });
    expect(scopedSettings(config, "staging")).toEqual({ routes: [], vars: { A: "1", B: "staging" } });
  });

  it("an environment the config does not name still gets its section", () => {
    expect(withEnvironment(undefined, "preview")).toEqual({ env: { preview: {} } });
    expect(withEnvironment(config, undefined)).toBe(config);
  });

  it("wrangler gets --env with the environment's name", () => {
    expect(wranglerDeployArgs({ name: "t-staging", environment: "staging", routes: [], vars: { A: "1" }, dryRun: false })).toEqual([
      "deploy",
      "--config",
      "wrangler.toml",
      "--name",
      "t-staging",
      "--env",
      "staging",
      "--var",
      "A:1",
    ]);
  });
});

it("recognizes wrangler's refusals for missing or bad credentials, and nothing else", () => {
  expect(isAuthFailure("✘ [ERROR] In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable")).toBe(true);
  expect(isAuthFailure("✘ [ERROR] A request to the Cloudflare API failed. Authentication error [code: 10000]")).toBe(true);
  expect(isAuthFailure('✘ [ERROR] Could not resolve "./model.onnx"')).toBe(false);
});
