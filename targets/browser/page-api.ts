/**
 * Named tensors, the page API's input for tensor models: what audio and image code has, checked against the model's
 * inputs. A value is a typed array, a number / bigint / boolean / string (a scalar, or one value), a flat or nested
 * array, or `{ data, dims }`. Without `dims` the shape comes from the manifest: fixed dims as declared, a symbolic dim
 * from another input that fixes the same name, a leading (batch) dim as 1 when it is still open, and the one dim left
 * from the number of values.
 *
 * @example
 * ```ts
 * const r = parseNamedTensors({ input: samples, sr: 16000n, h: { data: h, dims: [2, 1, 64] }, c }, manifest.io.inputs, { maxBatch: 64 });
 * if (r.ok) r.feeds.input.dims; // [1, samples.length]
 * ```
 */
import { describeValue, formatShape, listNames } from "../../core/describe-value.ts";
import type { Issue } from "../../core/errors.ts";
import { IssueList } from "../../core/issues.ts";
import type { Dim, TensorSpec } from "../../core/schema/manifest.ts";
import { createSink, type ParsedTensor } from "../../core/tensor-dtype.ts";
import type { TensorLimits } from "../../core/tensor-input.ts";
import { bigintLeaf, isTypedArray, typedValues } from "../../core/tensor-typed.ts";

/** One output of `model.run`: typed values, their shape and element type. */
export type OutputTensor = Pick<ParsedTensor, "data" | "dims" | "dtype">;

type Parse = { ok: true; feeds: Record<string, ParsedTensor> } | { ok: false; issues: Issue[] };
/** An input's values before they are typed: a flat source, with dims when the caller gave or nested them. */
type Pending = { spec: TensorSpec; values: ArrayLike<unknown>; typed: boolean; dims?: number[] | undefined; path: string };

const DEFAULT_MAX_ELEMENTS = 1_000_000;
const TENSOR_KEYS = ["data", "dims", "shape", "dtype"];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !isTypedArray(v);
const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * True when `body` is named tensors rather than a V2 body (`{inputs: [...]}`): an object whose keys are model inputs.
 * A model with an input called "inputs" still takes a V2 list of `{name, ...}` objects.
 */
export function isNamedTensors(body: unknown, specs: readonly TensorSpec[]): body is Record<string, unknown> {
  if (!isRecord(body)) return false;
  const inputs = body["inputs"];
  if (!Array.isArray(inputs)) return true;
  return specs.some((s) => s.name === "inputs") && !inputs.every((x) => isRecord(x) && typeof x["name"] === "string");
}

/** Named tensors → feeds for a session run, every problem with the input's name as its path. */
export function parseNamedTensors(body: Record<string, unknown>, specs: readonly TensorSpec[], limits: TensorLimits): Parse {
  const issues = new IssueList({ stopsWhenFull: true });
  const names = specs.map((s) => s.name);
  for (const k of Object.keys(body)) if (!names.includes(k)) issues.add(k, `"${k}" is not a model input (expected one of ${listNames(names)})`);
  const pending: Pending[] = [];
  for (const spec of specs) {
    if (!Object.hasOwn(body, spec.name)) issues.add(spec.name, `missing input "${spec.name}" (the model's inputs are: ${listNames(names)})`);
    else {
      const p = pendingOf(body[spec.name], spec, issues);
      if (p !== undefined) pending.push(p);
    }
  }
  if (issues.count > 0) return { ok: false, issues: issues.toArray() };

  // Symbolic dims shared by name ("batch") are bound by inputs whose shape is known, then fill the others'.
  const bound = new Map<string, number>();
  const bind = (p: Pending) => p.spec.shape.forEach((d, k) => typeof d === "string" && !bound.has(d) && bound.set(d, p.dims![k]!));
  for (const p of pending) if (p.dims !== undefined && checkDims(p, issues)) bind(p);
  let open = pending.filter((p) => p.dims === undefined);
  while (open.length > 0) {
    // Inputs with at most one open dim first; then a leading open dim counts as one example.
    const next = open.find((p) => openDims(p.spec.shape, bound, false).length <= 1) ?? open[0]!;
    next.dims = inferDims(next, bound, issues);
    if (next.dims !== undefined) bind(next);
    open = open.filter((p) => p !== next);
  }
  if (issues.count > 0) return { ok: false, issues: issues.toArray() };

  const max = limits.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const total = pending.reduce((n, p) => n + product(p.dims!), 0);
  if (total > max) return { ok: false, issues: [{ path: "(root)", message: `${total} values is over the limit of ${max} per call (split the batch)` }] };
  const feeds: Record<string, ParsedTensor> = {};
  for (const p of pending) {
    const batch = p.spec.shape.length > 0 && typeof p.spec.shape[0] !== "number" ? p.dims![0]! : 0;
    if (batch > limits.maxBatch) issues.add(p.path, `a batch of ${batch} is over the limit of ${limits.maxBatch} per call (split the batch)`);
    const data = valuesOf(p, issues);
    if (data !== undefined) feeds[p.spec.name] = { dtype: p.spec.dtype, data, dims: p.dims! };
  }
  return issues.count > 0 ? { ok: false, issues: issues.toArray() } : { ok: true, feeds };
}

/** Read one named value: its flat values, and its dims when given (`dims`) or nested (arrays of arrays). */
function pendingOf(v: unknown, spec: TensorSpec, issues: IssueList): Pending | undefined {
  let path = spec.name;
  let dims: number[] | undefined;
  if (isRecord(v)) {
    for (const k of Object.keys(v)) if (!TENSOR_KEYS.includes(k)) issues.add(`${path}.${k}`, `unknown field (expected data, and dims)`);
    const given = v["dims"] ?? v["shape"];
    if (v["dtype"] !== undefined && v["dtype"] !== spec.dtype)
      issues.add(`${path}.dtype`, `is ${describeValue(v["dtype"])}, but the model input "${spec.name}" is ${spec.dtype}`);
    if (given !== undefined) {
      if (!Array.isArray(given) || !given.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        issues.add(`${path}.dims`, `expected an array of non-negative integers, got ${describeValue(given)}`);
        return undefined;
      }
      dims = given as number[];
    }
    v = v["data"];
    path += ".data";
    if (v === undefined) return void issues.add(path, `required: the values (a typed array, an array or one value)`);
  }
  if (isTypedArray(v)) return { spec, values: v, typed: true, path, ...(dims ? { dims } : {}) };
  if (Array.isArray(v)) {
    if (dims === undefined && Array.isArray(v[0])) dims = nestedDims(v);
    const flat = dims === undefined || !Array.isArray(v[0]) ? v : (v.flat(Number.POSITIVE_INFINITY) as unknown[]);
    return { spec, values: flat, typed: false, path, ...(dims ? { dims } : {}) };
  }
  if (typeof v === "object" || v === undefined)
    return void issues.add(path, `expected a typed array, an array, one value or {data, dims}, got ${describeValue(v)}`);
  return { spec, values: [v], typed: false, path, ...(dims ? { dims } : {}) };
}

/** Sizes along the first elements of a nested array ([[1, 2, 3]] → [1, 3]). */
function nestedDims(v: unknown): number[] {
  const dims: number[] = [];
  while (Array.isArray(v) || isTypedArray(v)) {
    dims.push(v.length);
    v = v[0];
  }
  return dims;
}

/** The dims still open (symbolic and not yet bound); `leadingAsOne` closes an open first dim. */
function openDims(shape: readonly Dim[], bound: ReadonlyMap<string, number>, leadingAsOne: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, k) => {
    if (typeof d === "number" || (typeof d === "string" && bound.has(d)) || (leadingAsOne && k === 0)) return;
    out.push(k);
  });
  return out;
}

function checkDims(p: Pending, issues: IssueList): boolean {
  const { spec, dims } = p;
  const want = formatShape(spec.shape);
  const at = p.path.endsWith(".data") ? `${spec.name}.dims` : spec.name;
  if (dims!.length !== spec.shape.length) {
    issues.add(at, `${formatShape(dims!)} has ${dims!.length} dimensions, but the model input "${spec.name}" has ${spec.shape.length} (shape ${want})`);
    return false;
  }
  const bad = spec.shape.findIndex((d, k) => typeof d === "number" && dims![k] !== d);
  if (bad >= 0) {
    issues.add(`${at}[${bad}]`, `is ${dims![bad]}, but the model input "${spec.name}" needs ${spec.shape[bad]} (shape ${want})`);
    return false;
  }
  if (product(dims!) !== p.values.length) {
    issues.add(p.path, `has ${p.values.length} values, but shape ${formatShape(dims!)} needs ${product(dims!)}`);
    return false;
  }
  return true;
}

/** The shape of a value given without dims, from the manifest and the dims other inputs bound. */
function inferDims(p: Pending, bound: ReadonlyMap<string, number>, issues: IssueList): number[] | undefined {
  const { spec } = p;
  const n = p.values.length;
  const want = formatShape(spec.shape);
  let open = openDims(spec.shape, bound, false);
  const leadingOne = open.length > 1 && open[0] === 0;
  if (leadingOne) open = openDims(spec.shape, bound, true);
  const dims = spec.shape.map((d, k) => (typeof d === "number" ? d : typeof d === "string" && bound.has(d) ? bound.get(d)! : k === 0 && leadingOne ? 1 : 0));
  if (open.length > 1) {
    issues.add(
      p.path,
      `cannot tell the shape of ${n} values for input shape ${want}: give it, e.g. { data, dims: [${spec.shape.map((d) => (typeof d === "number" ? d : "…")).join(", ")}] }`,
    );
    return undefined;
  }
  const known = product(dims.filter((_, k) => !open.includes(k)));
  if (open.length === 1) {
    if (known === 0 || n % known !== 0) {
      issues.add(p.path, `has ${n} values, not a multiple of ${known} (input shape ${want}${bound.size > 0 ? ", with the dims the other inputs give" : ""})`);
      return undefined;
    }
    dims[open[0]!] = n / known;
  } else if (known !== n) {
    const what = spec.shape.length === 0 ? "is a scalar: give one value" : `takes ${known} (shape ${formatShape(dims)})`;
    issues.add(p.path, `has ${n} values, but the model input "${spec.name}" ${what}`);
    return undefined;
  }
  return dims;
}

/** Typed values of the input's dtype: a typed array as is or converted, plain values through the JSON checks. */
function valuesOf(p: Pending, issues: IssueList): ParsedTensor["data"] | undefined {
  const { dtype } = p.spec;
  if (p.typed) return typedValues(p.values as Parameters<typeof typedValues>[0], dtype, p.path, issues);
  const sink = createSink(dtype, p.values.length);
  const wide = sink.data as BigInt64Array | BigUint64Array;
  for (let i = 0; i < p.values.length && !issues.full; i++) {
    const v = p.values[i];
    const at = p.values.length === 1 && p.dims!.length === 0 ? p.path : `${p.path}[${i}]`;
    if (typeof v !== "bigint") {
      const problem = sink.put(i, v);
      if (problem !== undefined) issues.add(at, problem);
      continue;
    }
    const leaf = bigintLeaf(v, dtype);
    if ("wide" in leaf) wide[i] = leaf.wide;
    else if ("problem" in leaf) issues.add(at, leaf.problem);
    else {
      const problem = sink.put(i, leaf.value);
      if (problem !== undefined) issues.add(at, problem);
    }
  }
  return sink.data;
}

/** Outputs as the page API returns them: copies (an engine may reuse its buffers), with plain-array dims. */
export function pageOutputs(
  outputs: Record<string, { data: OutputTensor["data"]; dims: readonly number[]; dtype: OutputTensor["dtype"] }>,
  names: readonly string[],
): Record<string, OutputTensor> {
  const out: Record<string, OutputTensor> = {};
  for (const name of names) {
    const t = outputs[name]!;
    out[name] = { data: t.data.slice(), dims: [...t.dims], dtype: t.dtype };
  }
  return out;
}

/**
 * `predict([samples, ...])` for a one-input tensor model: each instance a typed array (one example, without the batch
 * dim), stacked into one tensor. Undefined when no instance is a typed array (JSON instances take the usual path).
 */
export function stackTypedInstances(instances: readonly unknown[], spec: TensorSpec, limits: TensorLimits): Parse | undefined {
  if (!instances.some(isTypedArray)) return undefined;
  if (spec.shape.length === 0) return undefined; // the predictor's scalar message applies
  const inner: TensorSpec = { ...spec, shape: spec.shape.slice(1) };
  const parts: ParsedTensor[] = [];
  for (const [i, inst] of instances.entries()) {
    const r = parseNamedTensors({ [spec.name]: inst }, [inner], limits);
    if (!r.ok) return { ok: false, issues: r.issues.map((x) => ({ ...x, path: x.path.replace(spec.name, `instances[${i}]`) })) };
    const t = r.feeds[spec.name]!;
    if (parts[0] !== undefined && formatShape(t.dims) !== formatShape(parts[0].dims)) {
      return {
        ok: false,
        issues: [
          {
            path: `instances[${i}]`,
            message: `is shaped ${formatShape(t.dims)}, but instances[0] is ${formatShape(parts[0].dims)}; every instance must have the same shape`,
          },
        ],
      };
    }
    parts.push(t);
  }
  const dims = [parts.length, ...parts[0]!.dims];
  const max = limits.maxElements ?? DEFAULT_MAX_ELEMENTS;
  if (parts.length > limits.maxBatch)
    return {
      ok: false,
      issues: [{ path: "instances", message: `at most ${limits.maxBatch} instances per call, got ${parts.length} (split the batch: model.predictBatches)` }],
    };
  if (typeof spec.shape[0] === "number" && spec.shape[0] !== parts.length)
    return {
      ok: false,
      issues: [
        {
          path: "instances",
          message: `the model takes exactly ${spec.shape[0]} instance(s) per call (input shape ${formatShape(spec.shape)}), got ${parts.length}`,
        },
      ],
    };
  if (product(dims) > max)
    return { ok: false, issues: [{ path: "instances", message: `${product(dims)} values is over the limit of ${max} per call (split the batch)` }] };
  return { ok: true, feeds: { [spec.name]: { dtype: spec.dtype, data: concat(parts.map((p) => p.data)), dims } } };
}

function concat(parts: ParsedTensor["data"][]): ParsedTensor["data"] {
  const first = parts[0]!;
  if (Array.isArray(first)) return (parts as string[][]).flat();
  const out = new (first.constructor as new (n: number) => typeof first)(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    (out as Float32Array).set(p as Float32Array, at);
    at += p.length;
  }
  return out;
}

/**
 * Predict a long list in batches of `size` (one call per batch, in order) and join the predictions: for lists past
 * `maxBatch`, or to keep each call short on a busy page.
 *
 * @example
 * ```ts
 * const { predictions } = await predictInBatches(rows, 256, (batch) => model.predict(batch));
 * ```
 */
export async function predictInBatches<R extends { predictions: unknown[] }>(
  instances: readonly unknown[],
  size: number,
  predict: (batch: unknown[]) => Promise<R>,
): Promise<{ predictions: unknown[] }> {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const predictions: unknown[] = [];
  for (let i = 0; i < instances.length; i += size) predictions.push(...(await predict(instances.slice(i, i + size))).predictions);
  return { predictions };
}
