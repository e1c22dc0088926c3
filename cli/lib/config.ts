/**
 * The project config, `edge-ml.config.ts` (or `.json`): what users write is `z.input<typeof Config>`; code reads the
 * normalized `Config` with defaults filled. An unknown key or bad value is an error naming the key.
 *
 * @example
 * ```ts
 * // edge-ml.config.ts
 * import { defineConfig } from "edge-ml";
 * export default defineConfig({ edge: { maxBatch: 64 } });
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { z } from "zod";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";

export const Config = z.strictObject({
  edge: z
    .strictObject({
      maxBodyBytes: z.int().positive().max(100 * 1024 * 1024).default(1024 * 1024),
      maxBatch: z.int().positive().max(100_000).default(256),
    })
    .default({ maxBodyBytes: 1024 * 1024, maxBatch: 256 }),
  dev: z.strictObject({ port: z.int().min(0).max(65535).default(8787) }).default({ port: 8787 }),
});
export type Config = z.output<typeof Config>;
export type ConfigInput = z.input<typeof Config>;

/** Identity helper that gives `edge-ml.config.ts` types and editor completion. */
export const defineConfig = (config: ConfigInput): ConfigInput => config;

export async function loadConfig(root: string): Promise<Config> {
  const ts = join(root, "edge-ml.config.ts");
  const json = join(root, "edge-ml.config.json");
  let raw: unknown = {};
  let file: string | undefined;
  if (existsSync(ts)) {
    file = ts;
    try {
      const mod = (await tsImport(pathToFileURL(ts).href, import.meta.url)) as { default?: unknown };
      raw = unwrapDefault(mod.default) ?? {};
    } catch (cause) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `cannot load edge-ml.config.ts: ${(cause as Error).message}`, {
        file: ts,
        hint: "the file must `export default` an object (use defineConfig for types)",
      });
    }
  } else if (existsSync(json)) {
    file = json;
    raw = JSON.parse(readFileSync(json, "utf8"));
  }
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_CONFIG", `${file ?? "config"} is not a valid edge-ml config`, {
      ...(file ? { file } : {}),
      issues: issuesFromZod(parsed.error.issues),
      hint: "allowed keys: edge.maxBodyBytes, edge.maxBatch, dev.port",
    });
  }
  return parsed.data;
}

/** In a folder without `"type": "module"` the config loads as CommonJS, and its default export arrives wrapped once more. */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "default" in value && Object.keys(value).length === 1) {
    return (value as { default: unknown }).default;
  }
  return value;
}
