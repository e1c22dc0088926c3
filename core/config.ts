/**
 * The project config schema, `edge-ml.config.ts` (or `.json`): what users write is `z.input<typeof Config>`; code reads
 * the normalized `Config` with defaults filled. An unknown key or bad value is an error naming the key path and what is
 * allowed there. Portable (no `node:` imports) so that `import { defineConfig } from "edge-ml"` type-checks in a
 * project without @types/node; reading the file is the CLI's job (cli/project/config.ts).
 *
 * @example
 * ```ts
 * // edge-ml.config.ts
 * import { defineConfig } from "edge-ml";
 * export default defineConfig({
 *   edge: { maxBatch: 64 },
 *   gates: { absolute: [{ metric: "roc_auc", min: 0.8 }], relative: [{ metric: "roc_auc", maxDrop: 0.02 }] },
 *   models: {
 *     titanic: {
 *       slices: ["passengerClass", "sex"],
 *       gates: { absolute: [{ metric: "roc_auc", min: 0.8, slices: true }] },
 *       rollout: { challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "header:x-user-id" },
 *     },
 *   },
 *   targets: { worker: { name: "titanic", routes: ["example.com/titanic/*"], vars: { LOG_LEVEL: "info" } } },
 *   telemetry: { endpoint: "https://monitor.example.com", sampleRate: 0.05, redact: ["name"] },
 * });
 * ```
 */
import * as z from "zod";
import { strictObject } from "./validation/strict.ts";
import { Gates } from "./validation/gates.ts";
import { FeatureViews } from "./feature-views.ts";

const strict = strictObject;

const Edge = strict({
  /**
   * Largest accepted request body in bytes (413 above). Unset, it follows the model: enough for a JSON request at
   * maxBatch (or the binary tensor extension), 1 MiB to 32 MiB (core/body-limit.ts). EDGE_ML_MAX_BODY_BYTES overrides.
   */
  maxBodyBytes: z
    .int()
    .positive()
    .max(100 * 1024 * 1024)
    .exactOptional(),
  maxBatch: z.int().positive().max(100_000).default(256),
});

/**
 * Gates of `edge-ml optimize`: a variant is kept only when, against the fp32 model on the same inputs, it loses at
 * most `maxMetricLoss` of the task metric (0.005 = 0.5 percentage points), its argmax along the last axis agrees on at
 * least `minArgmaxAgreement` of the rows, and it is at most `maxLatencyRatio` times as slow on the target runtime.
 */
const OptimizeGates = strict({
  maxMetricLoss: z.number().min(0).max(1).default(0.005),
  minArgmaxAgreement: z.number().min(0).max(1).default(0.99),
  maxLatencyRatio: z.number().positive().default(1.1),
  /** Largest absolute output difference allowed (none by default: quantization changes outputs by design). */
  maxAbsError: z.number().positive().optional(),
});
export type OptimizeGates = z.output<typeof OptimizeGates>;

/** A header name as HTTP allows it (RFC 9110 token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const SHARE = "must be between 0 and 1 (0.1 sends 10% of users to the challenger)";

/**
 * A challenger sharing the champion's traffic (the champion is the model's `champion` alias; `edge-ml models alias
 * <name> champion <version>` promotes, this config is never rewritten). It applies when build, dev or deploy serve
 * the champion; `edge-ml dev --challenger` overrides it.
 */
const Rollout = strict({
  /** The challenger, `<name>@<version>` (or `<name>@<alias>`): the same model, another version. */
  challenger: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected "<name>@<version>", e.g. "titanic@1.1.0"'),
  /** canary: the challenger answers `share` of users; shadow: the champion answers, the challenger runs after the response. */
  mode: z.enum(["shadow", "canary"], { error: 'expected "shadow" or "canary"' }),
  /** Canary only (required there): the share of users the challenger answers. */
  share: z.number({ error: SHARE }).min(0, SHARE).max(1, SHARE).optional(),
  /** What keeps a user on one arm: "requestId" (the client's x-request-id, else a fresh id) or "header:<name>". */
  sticky: z
    .string()
    .refine((s) => s === "requestId" || (s.startsWith("header:") && HEADER_NAME.test(s.slice("header:".length))), {
      error: 'expected "requestId" or "header:<name>", e.g. "header:x-user-id"',
    })
    .default("requestId"),
}).superRefine((r, ctx) => {
  if (r.mode === "canary" && r.share === undefined) ctx.addIssue({ code: "custom", path: ["share"], message: `required in canary mode; ${SHARE}` });
});

const ModelConfig = strict({
  /** Label column of evaluation data (default: the manifest's `label`). */
  label: z.string().min(1).optional(),
  /** Features to slice metrics by (default: the manifest's `slices`). */
  slices: z.array(z.string().min(1)).optional(),
  /** Replace the project-wide `gates` for this model (each list separately: absolute, relative). */
  gates: Gates.optional(),
  /** Replace the project-wide `optimize` gates for this model (key by key). */
  optimize: OptimizeGates.partial().optional(),
  /** Share the champion's traffic with a challenger version (canary or shadow). */
  rollout: Rollout.optional(),
});

const WorkerName = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "lowercase letters, digits and '-', at most 63 characters");
/** Plain-text vars set on the Worker (secrets go through `wrangler secret put`, never here). */
const WorkerVars = z.record(z.string(), z.string()).superRefine((vars, ctx) => {
  for (const key of Object.keys(vars))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      ctx.addIssue({ code: "custom", path: [key], message: "a var name is letters, digits and '_', not starting with a digit" });
});

/**
 * The real stores of the feature views a deployed Worker reads (`featureViews` with store "kv" or "d1"): one KV
 * namespace for every kv view, bound as EDGE_ML_FEATURES_KV, and one D1 database for every d1 view, bound as
 * EDGE_ML_FEATURES_D1. `edge-ml deploy` writes the views' latest values into them before the Worker goes live.
 * Create them once: `npx wrangler kv namespace create edge-ml-features`, `npx wrangler d1 create edge-ml-features`.
 */
const WorkerFeatureStores = strict({
  /** The KV namespace id wrangler printed (32 hex digits). */
  kvNamespaceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "expected the namespace id `wrangler kv namespace create` printed: 32 hex digits")
    .optional(),
  /** The D1 database, as `wrangler d1 create` printed it. */
  d1: strict({
    databaseId: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "expected the database_id `wrangler d1 create` printed (a UUID)"),
    databaseName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "expected the database_name `wrangler d1 create` printed"),
  }).optional(),
});
export type WorkerFeatureStores = z.output<typeof WorkerFeatureStores>;

/** An environment (`edge-ml deploy --env <name>`, wrangler's `[env.<name>]`): what differs from the top level. */
const WorkerEnv = strict({
  /** Default: wrangler's convention, `<worker name>-<env>`. */
  name: WorkerName.optional(),
  /** Replace the top level's routes (a staging Worker never takes production routes). */
  routes: z.array(z.string().min(1)).optional(),
  /** Added to (and overriding) the top level's vars. */
  vars: WorkerVars.optional(),
  /** This environment's own feature stores: not inherited (as wrangler's bindings), so staging never writes production's. */
  features: WorkerFeatureStores.optional(),
});

const WorkerTarget = strict({
  /** The model's one Worker name, used by build (its wrangler.toml), deploy and telemetry (default: the model name). */
  name: WorkerName.optional(),
  /** Route patterns, e.g. "example.com/titanic/*" (without routes the Worker is served on workers.dev). */
  routes: z.array(z.string().min(1)).default([]),
  vars: WorkerVars.default({}),
  /** Where the feature views this Worker's models read live on Cloudflare (KV namespace, D1 database). */
  features: WorkerFeatureStores.optional(),
  /** Environments by name, e.g. `{ staging: { vars: { LOG_LEVEL: "debug" } } }` for `deploy --env staging`. */
  env: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' and '-'"), WorkerEnv).default({}),
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
  edge: Edge.default({ maxBatch: 256 }),
  dev: strict({ port: z.int().min(0).max(65535).default(8787) }).default({ port: 8787 }),
  /** Per-model settings, by model name. */
  models: z
    .record(z.string(), ModelConfig)
    .superRefine((models, ctx) => {
      for (const [name, m] of Object.entries(models)) {
        const challenger = m.rollout?.challenger;
        if (challenger !== undefined && challenger.slice(0, challenger.lastIndexOf("@")) !== name)
          ctx.addIssue({
            code: "custom",
            path: [name, "rollout", "challenger"],
            message: `a challenger is another version of ${name}, not "${challenger}" (e.g. "${name}@1.1.0")`,
          });
      }
    })
    .default({}),
  targets: strict({ worker: WorkerTarget.optional() }).default({}),
  telemetry: Telemetry.optional(),
  /** Default gates for every model (`edge-ml validate`); `models.<name>.gates` replaces them per list. */
  gates: Gates.default({}),
  /** Default gates of `edge-ml optimize`; `models.<name>.optimize` overrides them key by key. */
  optimize: OptimizeGates.default({ maxMetricLoss: 0.005, minArgmaxAgreement: 0.99, maxLatencyRatio: 1.1 }),
  /** Features looked up by key at the edge (`features push|show|join`), by view name (core/feature-views.ts). */
  featureViews: FeatureViews.default({}),
});
export type Config = z.output<typeof Config>;
export type ConfigInput = z.input<typeof Config>;

/**
 * Identity helper that gives `edge-ml.config.ts` types and editor completion (validation happens when the CLI loads it).
 *
 * @example
 * ```ts
 * export default defineConfig({ edge: { maxBatch: 64 } });
 * ```
 */
export const defineConfig = (config: ConfigInput): ConfigInput => config;
