/**
 * Request validation for tabular models: zod schemas built from a manifest's `features`, on zod/mini (its functions
 * tree-shake: a page or Worker carries only the validators it uses, not all of zod).
 *
 * The same schema validates requests at the edge (400 with one issue per bad field) and feeds the OpenAPI document
 * (`z.toJSONSchema(..., { io: "input" })`), so docs and behaviour cannot drift. It is strict on purpose: a typo'd
 * key or a number sent as a string is a client bug that would otherwise become a silent wrong prediction.
 *
 * @example
 * ```ts
 * const r = validatePredictRequest({ instances: [{ age: "12" }] }, features, { maxBatch: 64 });
 * if (!r.ok) r.issues; // [{ path: "instances[0].age", message: 'expected a number, got string "12"' }, ...]
 * ```
 */
import * as z from "zod/mini";
import { normalizeCategories, resembledCategory } from "./category-variant.ts";
import { describeValue, listNames } from "./describe-value.ts";
import { formatPath, issuesFromZod, type Issue } from "./errors.ts";
import { createFastPredictCheck } from "./features-fast.ts";
import { capIssues } from "./issues.ts";
import { describeDateProblem, parseDateTime } from "./dates.ts";
import { isRawImage } from "./media/raw-image.ts";
import type { FeatureSpec, FeatureValue, Instance, InstanceValue } from "./schema/features.ts";

export interface PredictRequestOptions {
  /** Most instances in one request; more is a 400. */
  maxBatch: number;
}

export interface PredictRequest {
  instances: Instance[];
  parameters?: Record<string, unknown> | undefined;
}

export type PredictValidation = { ok: true; instances: Instance[]; parameters?: Record<string, unknown> } | { ok: false; issues: Issue[] };

const REQUEST_KEYS = ["instances", "parameters"] as const;

interface RawIssue {
  input?: unknown;
}

/** "required" for an absent key, otherwise what was expected and what came. */
function expected(what: string, nullable: boolean) {
  return (iss: RawIssue) => {
    if (iss.input === undefined) return "required";
    const input = iss.input;
    if (typeof input === "number" && !Number.isFinite(input)) return `expected a finite number, got ${describeValue(input)}`;
    const note = input === null && !nullable ? " (this feature is not nullable)" : "";
    return `expected ${what}, got ${describeValue(input)}${note}`;
  };
}

function rangeMessage(range: FeatureSpec["range"]) {
  const { min, max } = range ?? {};
  return (iss: RawIssue) => {
    const got = describeValue(iss.input);
    if (min !== undefined && max !== undefined) return `must be between ${min} and ${max} (inclusive), got ${got}`;
    return min !== undefined ? `must be at least ${min}, got ${got}` : `must be at most ${max}, got ${got}`;
  };
}

function numberSchema(f: FeatureSpec): z.ZodMiniType<number> {
  const base =
    f.type === "integer"
      ? z.int({
          error: (iss) => {
            const input: unknown = iss.input;
            if (iss.code === "too_big" || iss.code === "too_small") return `must be a safe integer (at most 2^53 - 1 in size), got ${describeValue(input)}`;
            if (typeof input === "number" && Number.isFinite(input)) return `expected a whole number, got ${input}`;
            return expected("an integer", f.nullable)(iss);
          },
        })
      : z.number({ error: expected("a number", f.nullable) });
  const { min, max } = f.range ?? {};
  const error = rangeMessage(f.range);
  let out: z.ZodMiniType<number> = base;
  if (min !== undefined) out = out.check(z.gte(min, { error }));
  if (max !== undefined) out = out.check(z.lte(max, { error }));
  return out;
}

function categorySchema(f: FeatureSpec): z.ZodMiniType<string> {
  const values = f.values ?? [];
  if (f.allowUnknown || values.length === 0) return z.string({ error: expected("a string (a category)", f.nullable) });
  const [first, ...rest] = values;
  return z.enum([first as string, ...rest], {
    error: (iss) => {
      const input: unknown = iss.input;
      if (typeof input !== "string") return expected(`one of ${listNames(values)}`, f.nullable)(iss);
      // A wrong case or a stray space is the most common near-miss ("male" vs "Male "); naming the fix saves a round trip.
      const near = resembledCategory(values, input);
      const hint = near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`;
      return `${JSON.stringify(input)} is not one of ${listNames(values)}${hint}`;
    },
  });
}

function datetimeSchema(f: FeatureSpec): z.ZodMiniType<FeatureValue> {
  return z.union([z.string(), z.number()], { error: expected("an ISO-8601 date string or epoch milliseconds", f.nullable) }).check((ctx) => {
    if (parseDateTime(ctx.value) === undefined) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `${describeDateProblem(ctx.value)}; send ISO-8601 ("2024-02-29", "2024-02-29T13:05:00Z") or epoch milliseconds`,
      });
    }
  });
}

/** JSON carries binary as `{"b64": ...}`; in-process callers (browser, Node) may pass bytes, pixels or samples. */
function binarySchema(f: FeatureSpec): z.ZodMiniType<InstanceValue> {
  const what = f.type === "image" ? "PNG or JPEG" : "WAV";
  const b64 = z.strictObject(
    { b64: z.string({ error: expected(`base64 of the ${what} bytes`, false) }).check(z.describe(`base64 of the ${what} bytes`)) },
    {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? `unknown key ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}: send {"b64": "..."}`
          : expected(`{"b64": "<${what} bytes in base64>"}`, f.nullable)(iss),
    },
  );
  const inProcess = z.custom<InstanceValue>((v) => isInProcessBinary(v, f.type), { error: expected(`{"b64": "<${what} bytes in base64>"}`, f.nullable) });
  // The in-process branch has no JSON form, so the OpenAPI document shows only {b64}. It is tried first: it is one
  // instanceof, while the strict {b64} object would walk every index of a 16,000-sample Float32Array as unknown keys.
  return z.union([inProcess.check(z.meta({ description: "in-process only: bytes, decoded pixels or samples" })), b64], {
    error: expected(`{"b64": "<${what} bytes in base64>"}`, f.nullable),
  });
}

function isInProcessBinary(v: unknown, type: FeatureSpec["type"]): boolean {
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return true;
  if (type === "audio") return v instanceof Float32Array;
  return isRawImage(v);
}

function valueSchema(f: FeatureSpec): z.ZodMiniType<InstanceValue> {
  let schema: z.ZodMiniType<InstanceValue>;
  switch (f.type) {
    case "number":
    case "integer":
      schema = numberSchema(f);
      break;
    case "boolean":
      schema = z.boolean({ error: expected("true or false", f.nullable) });
      break;
    case "category":
      schema = categorySchema(f);
      break;
    case "string":
      schema = z.string({ error: expected("a string", f.nullable) });
      break;
    case "datetime":
      schema = datetimeSchema(f);
      break;
    case "image":
    case "audio":
      schema = binarySchema(f);
      break;
  }
  if (f.description !== undefined) schema = schema.check(z.describe(f.description));
  // default(null) normalizes an absent nullable key to null, so preprocessing sees one "missing" value.
  return f.nullable ? z._default(z.nullable(schema), null) : schema;
}

function unknownField(key: string, names: readonly string[]): string {
  return `unknown field ${JSON.stringify(key)} (expected one of ${listNames(names)})`;
}

/**
 * The zod schema of one instance: strict (unknown keys are errors), nullable features normalized to null.
 *
 * @example
 * ```ts
 * createInstanceSchema(features).parse({ sex: "male", age: 22, passengerClass: "3rd" });
 * ```
 */
export function createInstanceSchema(features: readonly FeatureSpec[]): z.ZodMiniType<Instance> {
  const names = features.map((f) => f.name);
  const shape: Record<string, z.ZodMiniType<InstanceValue>> = {};
  for (const f of features) shape[f.name] = valueSchema(f);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") {
        return iss.keys.length === 1
          ? unknownField(iss.keys[0] ?? "", names)
          : `unknown fields ${iss.keys.map((k) => JSON.stringify(k)).join(", ")} (expected one of ${listNames(names)})`;
      }
      return `expected an object with fields ${listNames(names)}, got ${describeValue(iss.input)}`;
    },
  });
}

/**
 * The zod schema of a V1 `:predict` body for a tabular model: `{ instances: [1..maxBatch], parameters? }`.
 *
 * @example
 * ```ts
 * z.toJSONSchema(createPredictRequestSchema(features, { maxBatch: 256 }), { io: "input" });
 * ```
 */
export function createPredictRequestSchema(features: readonly FeatureSpec[], opts: PredictRequestOptions): z.ZodMiniType<PredictRequest> {
  const { maxBatch } = opts;
  const instances = z
    .array(createInstanceSchema(features), {
      error: (iss) => (iss.input === undefined ? "required" : `expected an array of instances, got ${describeValue(iss.input)}`),
    })
    .check(
      z.minLength(1, { error: "send at least one instance" }),
      z.maxLength(maxBatch, {
        error: (iss) => `at most ${maxBatch} instances per request, got ${Array.isArray(iss.input) ? iss.input.length : "more"} (split the batch)`,
      }),
    );
  const parameters = z.optional(z.record(z.string(), z.unknown(), { error: (iss) => `expected an object, got ${describeValue(iss.input)}` }));
  return z.strictObject(
    { instances, parameters },
    {
      error: (iss) => {
        if (iss.code === "unrecognized_keys") return iss.keys.map((k) => unknownField(k, REQUEST_KEYS)).join("; ");
        return `expected a JSON object {"instances": [...]}, got ${describeValue(iss.input)}`;
      },
    },
  );
}

/** zod reports unknown keys once per object; split them so each gets its own path (`instances[0].agee`). */
function toIssues(zodIssues: readonly z.core.$ZodIssue[], names: readonly string[]): Issue[] {
  const out: Issue[] = [];
  for (const iss of zodIssues) {
    if (iss.code !== "unrecognized_keys") {
      out.push(...issuesFromZod([iss]));
      continue;
    }
    // Deeper than instances[i]: inside a binary value ({"b64": ...}), whose only key is b64.
    if (iss.path.length > 2) {
      for (const key of iss.keys) out.push({ path: formatPath([...iss.path, key]), message: `unknown key ${JSON.stringify(key)}: send {"b64": "..."} only` });
      continue;
    }
    const allowed = iss.path.length === 0 ? REQUEST_KEYS : names;
    for (const key of iss.keys) out.push({ path: formatPath([...iss.path, key]), message: unknownField(key, allowed) });
  }
  return capIssues(out);
}

/**
 * A compiled validator for V1 `:predict` bodies; build it once per model and call it per request.
 *
 * @example
 * ```ts
 * const validate = createPredictRequestValidator(manifest.features, { maxBatch: 256 });
 * const r = validate(await request.json());
 * ```
 */
export function createPredictRequestValidator(features: readonly FeatureSpec[], opts: PredictRequestOptions): (body: unknown) => PredictValidation {
  const schema = createPredictRequestSchema(features, opts);
  const names = features.map((f) => f.name);
  const normalizes = features.some((f) => f.normalize !== undefined);
  // Plain valid bodies skip zod (same result, see features-fast.ts); zod decides everything else and names the issues.
  const fast = createFastPredictCheck(features, opts);
  return (raw) => {
    const body = normalizes ? normalizeCategories(raw, features) : raw;
    const quick = fast(body);
    if (quick !== undefined) return { ok: true, instances: quick };
    const r = schema.safeParse(body);
    if (!r.success) return { ok: false, issues: toIssues(r.error.issues, names) };
    const { instances, parameters } = r.data;
    return parameters === undefined ? { ok: true, instances } : { ok: true, instances, parameters };
  };
}

// Compiling a schema per request would dominate small requests; features arrays live as long as their manifest.
const cache = new WeakMap<readonly FeatureSpec[], Map<number, (body: unknown) => PredictValidation>>();

/**
 * Validate a V1 `:predict` body; every issue has a path like `instances[3].age`.
 *
 * @example
 * ```ts
 * const r = validatePredictRequest(body, features, { maxBatch: 256 });
 * if (r.ok) preprocessor.transform(r.instances);
 * ```
 */
export function validatePredictRequest(body: unknown, features: readonly FeatureSpec[], opts: PredictRequestOptions): PredictValidation {
  let byBatch = cache.get(features);
  if (byBatch === undefined) cache.set(features, (byBatch = new Map()));
  let validate = byBatch.get(opts.maxBatch);
  if (validate === undefined) byBatch.set(opts.maxBatch, (validate = createPredictRequestValidator(features, opts)));
  return validate(body);
}
