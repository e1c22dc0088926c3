/**
 * Request parsing for tensor models (no feature schema): V1 `:predict` nested-array instances and KServe V2 /
 * Open Inference Protocol `inputs`, checked against the model's input specs and written straight into typed arrays.
 *
 * Every problem becomes an `Issue` with the path of the offending value (`instances[2][1]`, `inputs[0].shape`), so a
 * client fixes a request in one round trip. Sizes are checked before anything is allocated.
 *
 * @example
 * ```ts
 * const r = parseTensorInstances([[1, 2, 3, 4]], { name: "x", dtype: "float32", shape: ["batch", 4] }, { maxBatch: 64 });
 * if (r.ok) r.tensor; // { dtype: "float32", data: Float32Array [1, 2, 3, 4], dims: [1, 4] }
 * ```
 */
import { describeValue, formatShape, listNames } from "./describe-value.ts";
import type { Issue } from "./errors.ts";
import type { Dim, TensorSpec } from "./schema/manifest.ts";
import { createSink, DTYPE_TO_V2, elementName, isV2Datatype, V2_TO_DTYPE, V2_DATATYPES, type ParsedTensor, type Sink } from "./tensor-dtype.ts";
import { IssueList } from "./issues.ts";
import { isTypedArray, typedValues } from "./tensor-typed.ts";
import { binaryDataSize, type BinaryCursor, HEADER_LENGTH, readBinaryTensor } from "./v2-binary.ts";

export { DTYPE_TO_V2, V2_TO_DTYPE } from "./tensor-dtype.ts";

export interface TensorLimits {
  /** Most examples (first dimension) in one request. */
  maxBatch: number;
  /** Most elements per request, across inputs; checked before allocating. Default 1,000,000 (4 MB of float32). */
  maxElements?: number;
}

export type TensorParse = { ok: true; tensor: ParsedTensor } | { ok: false; issues: Issue[] };
/** `feeds` is keyed by model input name (ready for a session run); `id` is the request id to echo in the response. */
export type V2Parse = { ok: true; feeds: Record<string, ParsedTensor>; id?: string } | { ok: false; issues: Issue[] };

const DEFAULT_MAX_ELEMENTS = 1_000_000;
const V2_BODY_KEYS = ["id", "parameters", "inputs", "outputs"];
const V2_INPUT_KEYS = ["name", "shape", "datatype", "parameters", "data"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const indexPath = (base: string, idx: readonly number[]): string => base + idx.map((i) => `[${i}]`).join("");
const expectedArray = (v: unknown, what: string): string => (v === undefined ? `required: ${what}` : `expected ${what}, got ${describeValue(v)}`);

/**
 * Walk one nested array against fixed dims, writing leaves into the sink at row-major offsets.
 * `why(depth)` says where a dim comes from, for the message when a length is off.
 */
function walk(
  v: unknown,
  dims: readonly number[],
  sink: Sink,
  base: string,
  offset: number,
  issues: IssueList,
  why: (d: number) => string,
  idx: number[] = [],
): void {
  if (issues.full) return;
  const depth = idx.length;
  if (depth === dims.length) {
    const problem = Array.isArray(v) ? `expected ${elementName(sink.dtype)}, got an array (nested deeper than ${why(-1)})` : sink.put(offset, v);
    if (problem !== undefined) issues.add(indexPath(base, idx), problem);
    return;
  }
  const want = dims[depth] ?? 0;
  if (!Array.isArray(v)) {
    issues.add(indexPath(base, idx), `expected an array of ${want}, got ${describeValue(v)} (${why(depth)})`);
    return;
  }
  if (v.length !== want) {
    issues.add(indexPath(base, idx), `has ${v.length} items, expected ${want} (${why(depth)})`);
    return;
  }
  const stride = product(dims.slice(depth + 1));
  for (let k = 0; k < v.length; k++) {
    idx.push(k);
    walk(v[k], dims, sink, base, offset + k * stride, issues, why, idx);
    idx.pop();
  }
}

/**
 * Parse V1 `:predict` instances for a single-input tensor model: each instance is one example as a nested array
 * without the batch dimension. Fixed dims must match; symbolic/null dims take the first instance's size, and every
 * instance must then have the same shape.
 *
 * @example
 * ```ts
 * parseTensorInstances([[1, 2], [3, 4]], { name: "ids", dtype: "int64", shape: ["batch", 2] }, { maxBatch: 8 });
 * // { ok: true, tensor: { dtype: "int64", data: BigInt64Array [1n, 2n, 3n, 4n], dims: [2, 2] } }
 * ```
 */
export function parseTensorInstances(instances: unknown, spec: TensorSpec, opts: TensorLimits): TensorParse {
  const issues = new IssueList({ stopsWhenFull: true });
  const shape = formatShape(spec.shape);
  const inner = spec.shape.slice(1);
  if (!Array.isArray(instances)) {
    return { ok: false, issues: [{ path: "instances", message: expectedArray(instances, `an array of examples, each shaped ${formatShape(inner)}`) }] };
  }
  const batch = spec.shape[0];
  if (spec.shape.length === 0)
    issues.add("instances", `the model input "${spec.name}" is a scalar with no batch dimension; send it with the V2 protocol ({"inputs": [...]})`);
  else if (instances.length === 0) issues.add("instances", "send at least one instance");
  else if (instances.length > opts.maxBatch)
    issues.add("instances", `at most ${opts.maxBatch} instances per request, got ${instances.length} (split the batch)`);
  else if (typeof batch === "number" && instances.length !== batch)
    issues.add("instances", `the model takes exactly ${batch} instance(s) per request (input shape ${shape}), got ${instances.length}`);
  if (issues.count > 0) return { ok: false, issues: issues.toArray() };

  // Free dims take the first instance's sizes; fixed dims come from the spec so instance 0 is checked like the rest.
  const dims: number[] = [];
  let probe: unknown = instances[0];
  for (const d of inner) {
    const at = indexPath(
      "instances[0]",
      dims.map(() => 0),
    );
    if (!Array.isArray(probe)) {
      return { ok: false, issues: [{ path: at, message: `expected an array, got ${describeValue(probe)} (each instance is shaped ${formatShape(inner)})` }] };
    }
    const size = typeof d === "number" ? d : probe.length;
    if (size === 0 && d !== 0)
      return { ok: false, issues: [{ path: at, message: `an empty array cannot fill dimension ${dims.length + 1} of input shape ${shape}` }] };
    dims.push(size);
    probe = probe[0];
  }
  const why = (depth: number): string => {
    if (depth < 0) return `input shape ${shape}`;
    return typeof inner[depth] === "number" ? `input shape ${shape}` : `instances[0] has ${dims[depth]} here; every instance must have the same shape`;
  };
  const total = instances.length * product(dims);
  const max = opts.maxElements ?? DEFAULT_MAX_ELEMENTS;
  if (total > max) return { ok: false, issues: [{ path: "instances", message: `${total} values is over the limit of ${max} per request (split the batch)` }] };

  const out = createSink(spec.dtype, total);
  const stride = product(dims);
  instances.forEach((inst, i) => walk(inst, dims, out, `instances[${i}]`, i * stride, issues, why));
  if (issues.count > 0) return { ok: false, issues: issues.toArray() };
  return { ok: true, tensor: { dtype: spec.dtype, data: out.data, dims: [instances.length, ...dims] } };
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], base: string, issues: IssueList): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) issues.add(base === "" ? k : `${base}.${k}`, `unknown field ${JSON.stringify(k)} (expected one of ${allowed.join(", ")})`);
  }
}

/** Check a V2 `shape` against the spec; returns it when usable. */
function checkShape(
  raw: unknown,
  spec: TensorSpec | undefined,
  path: string,
  opts: TensorLimits,
  budget: { left: number },
  issues: IssueList,
): number[] | undefined {
  if (!Array.isArray(raw)) return void issues.add(path, expectedArray(raw, "an array of dimension sizes"));
  const bad = raw.findIndex((d) => !Number.isSafeInteger(d) || (d as number) < 0);
  if (bad >= 0) return void issues.add(`${path}[${bad}]`, `expected a non-negative integer, got ${describeValue(raw[bad])}`);
  const shape = raw as number[];
  let ok = true;
  if (spec !== undefined) {
    const want = formatShape(spec.shape);
    if (shape.length !== spec.shape.length) {
      issues.add(path, `${formatShape(shape)} has ${shape.length} dimensions, but the model input "${spec.name}" has ${spec.shape.length} (shape ${want})`);
      return undefined;
    }
    spec.shape.forEach((d: Dim, k) => {
      if (typeof d === "number" && shape[k] !== d) {
        issues.add(`${path}[${k}]`, `is ${shape[k]}, but the model input "${spec.name}" needs ${d} (shape ${want})`);
        ok = false;
      }
    });
  }
  const batch = shape[0] ?? 1;
  if (batch > opts.maxBatch) {
    issues.add(`${path}[0]`, `a batch of ${batch} is over the limit of ${opts.maxBatch} per request (split the batch)`);
    ok = false;
  }
  const max = opts.maxElements ?? DEFAULT_MAX_ELEMENTS;
  if (product(shape) > budget.left) {
    const others = max - budget.left === 0 ? "" : ` with the other inputs' ${max - budget.left}`;
    issues.add(path, `${formatShape(shape)} is ${product(shape)} values${others}, over the limit of ${max} per request`);
    ok = false;
  } else budget.left -= product(shape);
  return ok ? shape : undefined;
}

/** Count the leaves of flat or nested `data`, stopping once past `max` so a huge body costs no more than the limit. */
function countLeaves(v: unknown, max: number): number {
  if (!Array.isArray(v)) return 1;
  let n = 0;
  for (const x of v) {
    n += countLeaves(x, max - n);
    if (n > max) break;
  }
  return n;
}

/** Write flat or nested `data` into the sink in row-major order, reporting each bad leaf at its own path. */
function fill(v: unknown, sink: Sink, base: string, issues: IssueList, at = { i: 0 }, idx: number[] = []): void {
  if (issues.full) return;
  if (Array.isArray(v)) {
    v.forEach((x, k) => {
      idx.push(k);
      fill(x, sink, base, issues, at, idx);
      idx.pop();
    });
    return;
  }
  const problem = sink.put(at.i++, v);
  if (problem !== undefined) issues.add(indexPath(base, idx), problem);
}

/** An input's `parameters.binary_data_size`, if it has one (other parameters, e.g. KServe's content_type, are ignored). */
function binarySizeOf(params: unknown, path: string, issues: IssueList): number | undefined {
  if (params === undefined) return undefined;
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    issues.add(`${path}.parameters`, `expected an object, got ${describeValue(params)}`);
    return undefined;
  }
  const size = (params as Record<string, unknown>)["binary_data_size"];
  return size === undefined ? undefined : binaryDataSize(size, `${path}.parameters.binary_data_size`, issues);
}

/**
 * Parse a KServe V2 / Open Inference Protocol request body `{inputs: [{name, shape, datatype, data}]}` against the
 * model's input specs. Every model input must be sent exactly once, with the model's datatype and a compatible shape.
 * `binary` is the body after the JSON header when the request uses the binary tensor extension (core/v2-binary.ts):
 * inputs with `parameters.binary_data_size` take their bytes from it, in order, and together must use all of it.
 *
 * @example
 * ```ts
 * parseV2Inputs({ inputs: [{ name: "x", shape: [1, 2], datatype: "FP32", data: [1, 2] }] }, manifest.io.inputs, { maxBatch: 64 });
 * ```
 */
export function parseV2Inputs(body: unknown, specs: readonly TensorSpec[], opts: TensorLimits, binary?: Uint8Array): V2Parse {
  const issues = new IssueList({ stopsWhenFull: true });
  const names = specs.map((s) => s.name);
  if (!isRecord(body)) return { ok: false, issues: [{ path: "(root)", message: `expected a JSON object {"inputs": [...]}, got ${describeValue(body)}` }] };
  unknownKeys(body, V2_BODY_KEYS, "", issues);
  const id = body["id"];
  if (id !== undefined && typeof id !== "string") issues.add("id", `expected a string, got ${describeValue(id)}`);
  const inputs = body["inputs"];
  if (!Array.isArray(inputs) || inputs.length === 0) {
    issues.add(
      "inputs",
      Array.isArray(inputs) ? "send at least one input" : expectedArray(inputs, `an array of inputs (the model's inputs are: ${listNames(names)})`),
    );
    return { ok: false, issues: issues.toArray() };
  }
  const tensors: [string, ParsedTensor][] = [];
  const budget = { left: opts.maxElements ?? DEFAULT_MAX_ELEMENTS };
  const seen = new Map<string, number>();
  const cursor: BinaryCursor | undefined = binary === undefined ? undefined : { bytes: binary, used: 0 };
  let declared = 0;
  inputs.forEach((input: unknown, i) => {
    const path = `inputs[${i}]`;
    if (!isRecord(input)) return issues.add(path, `expected an object {name, shape, datatype, data}, got ${describeValue(input)}`);
    unknownKeys(input, V2_INPUT_KEYS, path, issues);
    const { name, datatype, data } = input;
    let spec: TensorSpec | undefined;
    if (typeof name !== "string") issues.add(`${path}.name`, name === undefined ? "required" : `expected a string, got ${describeValue(name)}`);
    else if (seen.has(name)) issues.add(`${path}.name`, `input "${name}" is sent twice (also inputs[${seen.get(name)}])`);
    else if ((spec = specs.find((s) => s.name === name)) === undefined)
      issues.add(`${path}.name`, `"${name}" is not a model input (expected one of ${listNames(names)})`);
    if (typeof name === "string" && !seen.has(name)) seen.set(name, i);

    let dtype: ParsedTensor["dtype"] | undefined;
    if (typeof datatype !== "string") issues.add(`${path}.datatype`, datatype === undefined ? "required" : `expected a string, got ${describeValue(datatype)}`);
    else if (!isV2Datatype(datatype)) issues.add(`${path}.datatype`, `${JSON.stringify(datatype)} is not a V2 datatype (one of ${V2_DATATYPES.join(", ")})`);
    else if (spec !== undefined && V2_TO_DTYPE[datatype] !== spec.dtype) {
      issues.add(`${path}.datatype`, `is ${datatype}, but the model input "${spec.name}" is ${DTYPE_TO_V2[spec.dtype]} (${spec.dtype})`);
    } else dtype = V2_TO_DTYPE[datatype];

    const shape = checkShape(input["shape"], spec, `${path}.shape`, opts, budget, issues);
    const binarySize = binarySizeOf(input["parameters"], path, issues);
    if (binarySize !== undefined) {
      declared += binarySize;
      if (data !== undefined) return issues.add(`${path}.data`, "send either data or parameters.binary_data_size, not both");
      if (cursor === undefined) {
        return issues.add(
          `${path}.parameters.binary_data_size`,
          `binary data needs the binary tensor extension: send the JSON header, then the tensor bytes, with the header ${HEADER_LENGTH}: <bytes of the JSON header>`,
        );
      }
      if (shape === undefined || dtype === undefined) {
        // Skip this input's bytes so the inputs after it are read from the right offset.
        cursor.used = Math.min(cursor.bytes.byteLength, cursor.used + binarySize);
        return;
      }
      const values = readBinaryTensor(cursor, binarySize, dtype, shape, path, issues);
      if (values !== undefined && spec !== undefined) tensors.push([spec.name, { dtype, data: values, dims: shape }]);
      return;
    }
    if (!Array.isArray(data)) {
      // A page passes typed arrays (runtime/predictor.ts with surface "page"); JSON bodies never take this branch.
      if (isTypedArray(data)) return typedInput(data, spec, dtype, shape, path, issues, tensors);
      return issues.add(`${path}.data`, expectedArray(data, "an array of values (flat, row-major, or nested)"));
    }
    if (shape === undefined) return; // without a usable shape the data cannot be sized; the shape issue says why
    const want = product(shape);
    const count = countLeaves(data, want);
    if (count !== want)
      return issues.add(`${path}.data`, `has ${count > want ? `more than ${want}` : count} values, but shape ${formatShape(shape)} needs ${want}`);
    if (dtype === undefined) return;
    const sink = createSink(dtype, count);
    fill(data, sink, `${path}.data`, issues);
    if (spec !== undefined) tensors.push([spec.name, { dtype, data: sink.data, dims: shape }]);
  });
  for (const s of specs) if (!seen.has(s.name)) issues.add("inputs", `missing input "${s.name}" (the model's inputs are: ${listNames(names)})`);
  if (cursor !== undefined && declared !== cursor.bytes.byteLength) {
    issues.add(
      "(body)",
      `has ${cursor.bytes.byteLength} bytes after the JSON header (${HEADER_LENGTH}), but the inputs' parameters.binary_data_size add up to ${declared}`,
    );
  }
  if (issues.count > 0) return { ok: false, issues: issues.toArray() };
  // fromEntries defines own properties, so an input named "__proto__" cannot reach the prototype.
  const feeds = Object.fromEntries(tensors);
  return typeof id === "string" ? { ok: true, feeds, id } : { ok: true, feeds };
}

/** A V2 input whose `data` is a typed array (page code): flat, row-major, sized by the input's shape. */
function typedInput(
  data: Parameters<typeof typedValues>[0],
  spec: TensorSpec | undefined,
  dtype: ParsedTensor["dtype"] | undefined,
  shape: number[] | undefined,
  path: string,
  issues: IssueList,
  tensors: [string, ParsedTensor][],
): void {
  if (shape === undefined || dtype === undefined || spec === undefined) return;
  const want = product(shape);
  if (data.length !== want) {
    issues.add(`${path}.data`, `has ${data.length} values, but shape ${formatShape(shape)} needs ${want}`);
    return;
  }
  const values = typedValues(data, dtype, `${path}.data`, issues);
  if (values !== undefined) tensors.push([spec.name, { dtype, data: values, dims: shape }]);
}
