/**
 * Routes and vars of a target's config at the top level or in an environment (`deploy --env <name>`): an
 * environment's vars are the top level's overridden by its own; its routes replace the top level's (a staging Worker
 * must never take production routes).
 *
 * @example
 * ```ts
 * scopedSettings({ routes: ["a.com/*"], vars: { A: "1" }, env: { staging: { vars: { B: "2" } } } }, "staging");
 * // { routes: [], vars: { A: "1", B: "2" } }
 * ```
 */
import type { TargetConfig } from "./types.ts";

export function scopedSettings(config: TargetConfig | undefined, environment?: string): { routes: readonly string[]; vars: Readonly<Record<string, string>> } {
  if (environment === undefined) return { routes: config?.routes ?? [], vars: { ...config?.vars } };
  const scope = config?.env?.[environment];
  return { routes: scope?.routes ?? [], vars: { ...config?.vars, ...scope?.vars } };
}

/** The config with `environment` present (a section is written for it even when the config names none). */
export function withEnvironment(config: TargetConfig | undefined, environment: string | undefined): TargetConfig | undefined {
  if (environment === undefined) return config;
  return { ...config, env: { ...config?.env, [environment]: config?.env?.[environment] ?? {} } };
}
