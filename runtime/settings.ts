/**
 * The edge app's limits: defaults, and overrides read from string env vars (wrangler [vars], Deno.env, process.env).
 *
 * @example
 * ```ts
 * const settings = { ...DEFAULT_SETTINGS, ...config.edge, ...settingsFromEnv(env) };
 * ```
 */

export interface EdgeSettings {
  /** Largest accepted request body in bytes (413 above). */
  maxBodyBytes: number;
  /** Most instances (or batch rows) in one request (400 above). */
  maxBatch: number;
}

export const DEFAULT_SETTINGS: EdgeSettings = { maxBodyBytes: 1024 * 1024, maxBatch: 256 };

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
