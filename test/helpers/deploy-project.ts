/**
 * What the real-deploy tests (deploy-real, rollout-deploy, deploy-gradual) read from a project and how they point
 * the CLI at the Cloudflare API stand-in: the deploy log's lines, the champion alias, and env stubs (the stand-in's
 * credentials and base URL, and a deployer named by $USER with no git identity).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vi } from "vitest";
import type { CloudflareApi } from "./cloudflare-api.ts";

/** Every line of deploys.log.jsonl, parsed (none before the first deploy). */
export const deployLog = (dir: string): Record<string, unknown>[] =>
  existsSync(join(dir, "deploys.log.jsonl"))
    ? readFileSync(join(dir, "deploys.log.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

/** The titanic model's `champion` alias. */
export const championOf = (dir: string): string | undefined =>
  (JSON.parse(readFileSync(join(dir, "models", "titanic", "aliases.json"), "utf8")) as Record<string, string>)["champion"];

/** Send wrangler to the stand-in and make the deployer "ada" ($USER, no git user.name); undo with vi.unstubAllEnvs(). */
export function stubDeployEnv(api: CloudflareApi, dir: string): void {
  for (const [k, v] of Object.entries(api.env)) vi.stubEnv(k, v);
  const gitconfig = join(dir, ".gitconfig-empty");
  writeFileSync(gitconfig, "");
  vi.stubEnv("GIT_CONFIG_GLOBAL", gitconfig);
  vi.stubEnv("GIT_CONFIG_NOSYSTEM", "1");
  vi.stubEnv("USER", "ada");
}
