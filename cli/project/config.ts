/**
 * The project config, `edge-ml.config.ts` (or `.json`): what users write is `z.input<typeof Config>`; code reads the
 * normalized `Config` with defaults filled. An unknown key or bad value is an error naming the key path and what is
 * allowed there.
 *
 * @example
 * ```ts
 * // edge-ml.config.ts
 * import { defineConfig } from "edge-ml";
 * export default defineConfig({
 *   edge: { maxBatch: 64 },
 *   gates: { absolute: [{ metric: "roc_auc", min: 0.8 }], relative: [{ metric: "roc_auc", maxDrop: 0.02 }] },
 *   models: { titanic: { slices: ["passengerClass", "sex"], gates: { absolute: [{ metric: "roc_auc", min: 0.8, slices: true }] } } },
 *   targets: { worker: { name: "titanic", routes: ["example.com/titanic/*"], vars: { LOG_LEVEL: "info" } } },
 *   telemetry: { endpoint: "https://monitor.example.com", sampleRate: 0.05, redact: ["name"] },
 * });
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { z } from "zod";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";
import { Gates } from "../../core/validation/gates.ts";
import { strictObject } from "../../core/validation/strict.ts";

const strict = strictObject;

const Edge = strict({
  maxBodyBytes: z
    .int()
    .positive()
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  maxBatch: z.int().positive().max(100_000).default(256),
});

const ModelConfig = strict({
  /** Label column of evaluation data (default: the manifest's `label`). */
  label: z.string().min(1).optional(),
  /** Features to slice metrics by (default: the manifest's `slices`). */
  slices: z.array(z.string().min(1)).optional(),
  /** Replace the project-wide `gates` for this model (each list separately: absolute, relative). */
  gates: Gates.optional(),
});

const WorkerTarget = strict({
  /** Worker name on Cloudflare (default: edge-ml-<model name>). */
  name: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "lowercase letters, digits and '-', at most 63 characters")
    .optional(),
  /** Route patterns, e.g. "example.com/titanic/*" (without routes the Worker is served on workers.dev). */
  routes: z.array(z.string().min(1)).default([]),
  /** Plain-text vars set on the Worker (secrets go through `wrangler secret put`, never here). */
  vars: z
    .record(z.string(), z.string())
    .superRefine((vars, ctx) => {
      for (const key of Object.keys(vars))
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
          ctx.addIssue({ code: "custom", path: [key], message: "a var name is letters, digits and '_', not starting with a digit" });
    })
    .default({}),
});

const Telemetry = strict({
  /** Monitor base URL: the edge posts batches to `${endpoint}/v1/ingest`; deploy registers at `${endpoint}/v1/deployments`. */
  endpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL, e.g. https://monitor.example.com" }),
  /** Share of requests sent as sampled rows (counters and profiles always cover every request). */
  sampleRate: z.number().min(0).max(1).default(0.01),
  /** Feature names removed from sampled rows before they leave the edge. */
  redact: z.array(z.string().min(1)).default([]),
});

export const Config = strict({
  edge: Edge.default({ maxBodyBytes: 1024 * 1024, maxBatch: 256 }),
  dev: strict({ port: z.int().min(0).max(65535).default(8787) }).default({ port: 8787 }),
  /** Per-model settings, by model name. */
  models: z.record(z.string(), ModelConfig).default({}),
  targets: strict({ worker: WorkerTarget.optional() }).default({}),
  telemetry: Telemetry.optional(),
  /** Default gates for every model (`edge-ml validate`); `models.<name>.gates` replaces them per list. */
  gates: Gates.default({}),
});
export type Config = z.output<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
export type ModelConfig = z.output<typeof ModelConfig>;
export type WorkerTargetConfig = z.output<typeof WorkerTarget>;

/** Identity helper that gives `edge-ml.config.ts` types and editor completion. */
export const defineConfig = (config: ConfigInput): ConfigInput => config;

const TOP_LEVEL_KEYS = "edge, dev, models, targets, telemetry, gates";

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
    try {
      raw = JSON.parse(readFileSync(json, "utf8"));
    } catch (cause) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `edge-ml.config.json is not valid JSON: ${(cause as Error).message}`, {
        file: json,
        hint: "fix the JSON syntax",
      });
    }
  }
  return parseConfig(raw, file);
}

/** Validate a config object; a bad one is a user error listing `• key.path: message` for every problem. */
export function parseConfig(raw: unknown, file?: string): Config {
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_CONFIG", `${file ? basename(file) : "the config"} is not a valid edge-ml config`, {
      ...(file ? { file } : {}),
      issues: issuesFromZod(parsed.error.issues),
      hint: `top-level keys: ${TOP_LEVEL_KEYS}; the commented example is templates/init/edge-ml.config.ts (\`npx edge-ml init\` writes it)`,
    });
  }
  return parsed.data;
}

/** The gates for one model: its own lists where it has them, the project-wide defaults otherwise. */
export function gatesFor(
  config: Config,
  model: string,
): { absolute: NonNullable<Gates["absolute"]>; relative: NonNullable<Gates["relative"]>; source: { absolute: string; relative: string } } {
  const own = Object.hasOwn(config.models, model) ? config.models[model]?.gates : undefined;
  const pick = <K extends "absolute" | "relative">(k: K) =>
    own?.[k] !== undefined ? { list: own[k], source: `models.${model}.gates` } : { list: config.gates[k] ?? [], source: "gates" };
  const a = pick("absolute");
  const r = pick("relative");
  return { absolute: a.list ?? [], relative: r.list ?? [], source: { absolute: a.source, relative: r.source } };
}

/** In a folder without `"type": "module"` the config loads as CommonJS, and its default export arrives wrapped once more. */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "default" in value && Object.keys(value).length === 1) {
    return (value as { default: unknown }).default;
  }
  return value;
}
