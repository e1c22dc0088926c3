/**
 * Recorded requests of a model version (`models add --samples samples.jsonl`, stored as `samples.jsonl` beside the
 * model): one KServe V2 request body per line, optionally with expected `outputs` (V2 response form) and `labels`
 * (one per batch row). Every line is checked against the model's IO with the edge's own request parser
 * (parseV2Inputs), so a sample that loads here is a request the edge accepts. Used by `validate` (the samples gate)
 * and `optimize` (latency and agreement of variants on real inputs).
 *
 * @example
 * ```ts
 * const lines = readSamples("samples.jsonl", manifest.io); // throws ERR_BAD_DATA "samples.jsonl:7: inputs[0].shape: ..."
 * for (const s of lines) await session.run(s.feeds);       // feeds: input name → { dtype, dims, data }
 * const stored = storedSamples(dir, manifest);            // the version's own samples (hash checked), or undefined
 * ```
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { formatShape } from "../../core/describe-value.ts";
import { EdgeMlError, formatPath, type Issue } from "../../core/errors.ts";
import { capIssues } from "../../core/issues.ts";
import type { Dtype, Manifest, SamplesRef, TensorSpec } from "../../core/schema/manifest.ts";
import { SampleLineJson, type V2Tensor } from "../../core/schema/samples.ts";
import { createSink, DTYPE_TO_V2, V2_TO_DTYPE, type TypedArray } from "../../core/tensor-dtype.ts";
import { parseV2Inputs } from "../../core/tensor-input.ts";
import { sha256Bytes } from "../project/hash.ts";

/** A tensor of a sample, ready for an engine (float16 as its IEEE bit patterns in a Uint16Array). */
export interface SampleTensor {
  dtype: Dtype;
  dims: number[];
  data: TypedArray;
}

/** One line of a samples file, parsed: `line` is its 1-based line number in the file (for messages). */
export interface SampleLine {
  line: number;
  /** Model input name → tensor: feed it to a session as is. */
  feeds: Record<string, SampleTensor>;
  /** Expected outputs, by output name (a subset of the model's outputs). */
  outputs?: Record<string, SampleTensor>;
  /** One per batch row: a class index or a regression target. */
  labels?: number[];
}

/** The name a version stores its samples under. */
export const SAMPLES_FILE = "samples.jsonl";

// A recorded request may be bigger than one the edge takes in a single call, but not unbounded: a line is parsed whole.
const LIMITS = { maxBatch: 1_000_000, maxElements: 50_000_000 };

type Add = (path: string, message: string) => void;

/** Sizes the line's inputs give the symbolic dims ("batch" → 2), so the expected outputs can be held to them. */
function symbolSizes(specs: readonly TensorSpec[], feeds: Readonly<Record<string, SampleTensor>>): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const spec of specs) {
    spec.shape.forEach((d, k) => {
      const size = feeds[spec.name]?.dims[k];
      if (typeof d === "string" && size !== undefined && !sizes.has(d)) sizes.set(d, size);
    });
  }
  return sizes;
}

function outputTensor(t: V2Tensor, i: number, specs: readonly TensorSpec[], seen: Set<string>, symbols: ReadonlyMap<string, number>, add: Add) {
  const path = `outputs[${i}]`;
  const spec = specs.find((s) => s.name === t.name);
  if (spec === undefined) return add(`${path}.name`, `"${t.name}" is not a model output (expected one of ${specs.map((s) => s.name).join(", ")})`);
  if (seen.has(t.name)) return add(`${path}.name`, `output "${t.name}" is given twice`);
  seen.add(t.name);
  if (V2_TO_DTYPE[t.datatype] !== spec.dtype)
    return add(`${path}.datatype`, `is ${t.datatype}, but the model output "${spec.name}" is ${DTYPE_TO_V2[spec.dtype]} (${spec.dtype})`);
  if (t.shape.length !== spec.shape.length)
    return add(
      `${path}.shape`,
      `${formatShape(t.shape)} has ${t.shape.length} dimensions, but the model output "${spec.name}" has ${spec.shape.length} (shape ${formatShape(spec.shape)})`,
    );
  const fixed = spec.shape.findIndex((d, k) => typeof d === "number" && t.shape[k] !== d);
  if (fixed >= 0) return add(`${path}.shape[${fixed}]`, `is ${t.shape[fixed]}, but the model output "${spec.name}" needs ${spec.shape[fixed]}`);
  const named = spec.shape.findIndex((d, k) => typeof d === "string" && symbols.has(d) && symbols.get(d) !== t.shape[k]);
  if (named >= 0) {
    const d = spec.shape[named] as string;
    return add(
      `${path}.shape[${named}]`,
      `is ${t.shape[named]}, but "${d}" is ${symbols.get(d)} in this line's inputs (output shape ${formatShape(spec.shape)})`,
    );
  }
  const values = t.data.flat(Number.POSITIVE_INFINITY);
  const want = t.shape.reduce((a, b) => a * b, 1);
  if (values.length !== want) return add(`${path}.data`, `has ${values.length} values, but shape ${formatShape(t.shape)} needs ${want}`);
  if (spec.dtype === "string") return add(`${path}.datatype`, "BYTES outputs cannot be compared numerically; leave this output out");
  const sink = createSink(spec.dtype, want);
  for (let k = 0; k < want; k++) {
    const problem = sink.put(k, values[k]);
    if (problem !== undefined) return add(`${path}.data[${k}]`, problem);
  }
  return { dtype: spec.dtype, dims: t.shape, data: sink.data as TypedArray };
}

/** Labels of a classifier (first output's last axis fixed above 1) must be class indexes of that axis. */
function checkLabels(labels: readonly number[], spec: TensorSpec | undefined, add: Add): boolean {
  const classes = spec !== undefined && spec.shape.length >= 2 ? spec.shape[spec.shape.length - 1] : undefined;
  if (typeof classes !== "number" || classes < 2) return true;
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= classes);
  if (bad < 0) return true;
  add(`labels[${bad}]`, `${labels[bad]} is not a class index of the output "${spec?.name}" (0 to ${classes - 1}, its last axis)`);
  return false;
}

/** One line against the model's IO; problems go to `add` with the line's field paths. */
function parseLine(text: string, line: number, io: Manifest["io"], add: Add): SampleLine | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return void add("(line)", `not JSON: ${(cause as Error).message}`);
  }
  const parsed = SampleLineJson.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) add(formatPath(issue.path), issue.message);
    return undefined;
  }
  const body = parsed.data;
  const inputs = parseV2Inputs({ inputs: body.inputs }, io.inputs, LIMITS);
  if (!inputs.ok) {
    for (const issue of inputs.issues) add(issue.path, issue.message);
    return undefined;
  }
  const feeds: Record<string, SampleTensor> = {};
  for (const [name, t] of Object.entries(inputs.feeds)) {
    if (Array.isArray(t.data))
      return void add(
        `inputs[${body.inputs.findIndex((x) => (x as { name?: unknown }).name === name)}].datatype`,
        "BYTES inputs cannot be stored as samples yet",
      );
    feeds[name] = { dtype: t.dtype, dims: t.dims, data: t.data };
  }
  const out: SampleLine = { line, feeds };
  if (body.outputs) {
    const seen = new Set<string>();
    const symbols = symbolSizes(io.inputs, feeds);
    const outputs: Record<string, SampleTensor> = {};
    body.outputs.forEach((t, i) => {
      const tensor = outputTensor(t, i, io.outputs, seen, symbols, add);
      if (tensor) outputs[t.name] = tensor;
    });
    if (Object.keys(outputs).length !== body.outputs.length) return undefined;
    out.outputs = outputs;
  }
  if (body.labels) {
    const batch = Object.values(feeds)[0]?.dims[0];
    if (batch !== undefined && body.labels.length !== batch)
      return void add("labels", `has ${body.labels.length} labels, but the batch has ${batch} rows (one label per row)`);
    if (!checkLabels(body.labels, io.outputs[0], add)) return undefined;
    out.labels = body.labels;
  }
  return out;
}

/** Parse the text of a samples file; `shown` names it in messages. */
export function parseSamples(text: string, shown: string, io: Manifest["io"]): SampleLine[] {
  const issues: Issue[] = [];
  const badLines = new Set<number>();
  const lines: SampleLine[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const add = (path: string, message: string) => {
      badLines.add(i + 1);
      issues.push({ path: `${shown}:${i + 1}: ${path}`, message });
    };
    const sample = parseLine(raw, i + 1, io, add);
    if (sample) lines.push(sample);
  });
  const hint = `each line is a KServe V2 request body {"inputs": [{"name", "shape", "datatype", "data"}]}, optionally with "outputs" (same form) and "labels" (one per batch row); the model's inputs: ${io.inputs.map((t) => `${t.name} ${DTYPE_TO_V2[t.dtype]}${formatShape(t.shape)}`).join(", ")}; outputs: ${io.outputs.map((t) => `${t.name} ${DTYPE_TO_V2[t.dtype]}${formatShape(t.shape)}`).join(", ")}`;
  const first = issues[0];
  if (first !== undefined) {
    // The messages lead with file:line, so the errors carry no separate `file` (it would print twice).
    if (issues.length === 1) throw new EdgeMlError("ERR_BAD_DATA", `${first.path}: ${first.message}`, { hint });
    const where = [...badLines].slice(0, 10).join(", ") + (badLines.size > 10 ? ", …" : "");
    throw new EdgeMlError("ERR_BAD_DATA", `${shown}: ${issues.length} problems on line${badLines.size === 1 ? "" : "s"} ${where}`, {
      issues: capIssues(issues),
      hint,
    });
  }
  if (lines.length === 0) throw new EdgeMlError("ERR_BAD_DATA", `${shown} has no samples (every line is empty)`, { hint });
  return lines;
}

/** Read and check a samples file against the model's IO (see the module comment). */
export function readSamples(file: string, io: Manifest["io"]): SampleLine[] {
  return parseSamples(readSamplesFile(file).toString("utf8"), shownPath(file), io);
}

/** A path as messages show it: relative to the working folder. */
export const shownPath = (file: string): string => relative(process.cwd(), file) || file;

/** The bytes of a samples file, or a user error when it is missing. */
export function readSamplesFile(file: string): Buffer {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new EdgeMlError("ERR_USAGE", `samples file ${file} does not exist or is not a file`, {
      hint: 'pass a JSON Lines file: one {"inputs": [...]} request body per line',
    });
  }
  return readFileSync(file);
}

/** The manifest's record of a samples file. */
export function samplesRef(bytes: Uint8Array, lines: readonly SampleLine[]): SamplesRef {
  return {
    file: SAMPLES_FILE,
    sha256: sha256Bytes(bytes),
    bytes: bytes.byteLength,
    lines: lines.length,
    withOutputs: lines.filter((l) => l.outputs !== undefined).length,
    withLabels: lines.filter((l) => l.labels !== undefined).length,
  };
}

/** The samples stored with a version (its hash checked), or undefined when it has none. */
export function storedSamples(dir: string, manifest: Manifest): SampleLine[] | undefined {
  const ref = manifest.samples;
  if (ref === undefined) return undefined;
  const file = join(dir, ref.file);
  const shown = shownPath(file);
  const bytes = existsSync(file) ? readFileSync(file) : undefined;
  if (bytes === undefined || sha256Bytes(bytes) !== ref.sha256) {
    throw new EdgeMlError("ERR_INTEGRITY", `${shown} ${bytes === undefined ? "is missing" : "does not match the sha256 in its manifest"}`, {
      file: shown,
      hint: "restore the version folder from git (stored versions are immutable)",
    });
  }
  return parseSamples(bytes.toString("utf8"), shown, manifest.io);
}
