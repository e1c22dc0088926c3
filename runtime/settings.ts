/**
 * The edge app's limits: defaults, the body limit derived from the model, and overrides read from string env vars
 * (wrangler [vars], Deno.env, process.env). What a user sets wins: env vars over the build's settings
 * (`edge` in edge-ml.config.ts) over the defaults; `maxBodyBytes` set nowhere follows the model (core/body-limit.ts).
 *
 * @example
 * ```ts
 * const settings = resolveEdgeSettings(manifest, config.edge, env);
 * // text-detect (1x3x320x320 float32): { maxBodyBytes: 33554432, maxBatch: 256 }; titanic: { maxBodyBytes: 1048576, ... }
 * ```
 */
import { type BodyLimitModel, deriveMaxBodyBytes } from "../core/body-limit.ts";

export interface EdgeSettings {
  /** Largest accepted request body in bytes (413 above). */
  maxBodyBytes: number;
  /** Most instances (or batch rows) in one request (400 above). */
  maxBatch: number;
}

/** The limits before a model is known; a served model's body limit is derived from it (resolveEdgeSettings). */
export const DEFAULT_SETTINGS: EdgeSettings = { maxBodyBytes: 1024 * 1024, maxBatch: 256 };

/** Settings as given (build config, code): a missing or undefined key takes its default. */
export type EdgeSettingsInput = { [K in keyof EdgeSettings]?: EdgeSettings[K] | undefined };

/** Read numeric settings from string env vars; ignore absent or invalid ones. */
export function settingsFromEnv(env: Readonly<Record<string, unknown>> | undefined): Partial<EdgeSettings> {
  const num = (key: string) => {
    const v = env?.[key];
    const n = typeof v === "string" && v !== "" ? Number(v) : typeof v === "number" ? v : Number.NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const out: Partial<EdgeSettings> = {};
  const maxBodyBytes = num("EDGE_ML_MAX_BODY_BYTES");
  const maxBatch = num("EDGE_ML_MAX_BATCH");
  if (maxBodyBytes !== undefined) out.maxBodyBytes = maxBodyBytes;
  if (maxBatch !== undefined) out.maxBatch = maxBatch;
  return out;
}

/**
 * The settings a served model runs with: env vars, then `explicit` (the build's), then defaults, with the body limit
 * derived from the model (at the resolved maxBatch) unless one of the first two sets it.
 *
 * @example
 * ```ts
 * resolveEdgeSettings(manifest, { maxBatch: 8 }, { EDGE_ML_MAX_BODY_BYTES: "2000000" }); // { maxBodyBytes: 2000000, maxBatch: 8 }
 * ```
 */
export function resolveEdgeSettings(model: BodyLimitModel, explicit: EdgeSettingsInput | undefined, env?: Readonly<Record<string, unknown>>): EdgeSettings {
  const fromEnv = settingsFromEnv(env);
  const maxBatch = fromEnv.maxBatch ?? explicit?.maxBatch ?? DEFAULT_SETTINGS.maxBatch;
  const maxBodyBytes = fromEnv.maxBodyBytes ?? explicit?.maxBodyBytes ?? deriveMaxBodyBytes(model, { maxBatch });
  return { maxBodyBytes, maxBatch };
}
