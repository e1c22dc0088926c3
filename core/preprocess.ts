/**
 * Preprocessing at inference time: instances in, the model's float input tensors out.
 *
 * A `Preprocessing` spec (see `core/schema/preprocessing.ts` for the semantics) is compiled once into closures over
 * slot indices, so the per-request path allocates one reused row of cells and writes straight into the row-major
 * typed arrays the engine takes. The same compiled steps back `transformRow` (float64, no float32 rounding), which the
 * monitor uses to compare edge features with training features.
 *
 * @example
 * ```ts
 * const pre = createPreprocessor(manifest.preprocessing);
 * const feeds = pre.transform([{ age: 22, sex: "male" }]); // Map { "input" => { dtype, data: Float32Array, dims: [1, 4] } }
 * ```
 */
import { bucketize } from "./bucketize.ts";
import { type DateTimeValue, datePart, describeDateProblem, parseDateTime } from "./dates.ts";
import { describeValue } from "./describe-value.ts";
import { EdgeMlError, type Issue } from "./errors.ts";
import { hashBucket } from "./hash-bucket.ts";
import { capIssues, MAX_ISSUES } from "./issues.ts";
import { MediaError } from "./media/errors.ts";
import type { FeatureValue, Instance, InstanceValue } from "./schema/features.ts";
import type { CompiledTensorStep, MediaSteps } from "./preprocess-media.ts";
import type { Preprocessing, PreprocessStep, TensorStep } from "./schema/preprocessing.ts";
import { isTensorStep } from "./schema/tensor-step.ts";

export { validatePreprocessing } from "./preprocess-validate.ts";

type ColumnDtype = Preprocessing["inputs"][number]["dtype"];
type ColumnArray = Float32Array | Float64Array | BigInt64Array | Int32Array;

/** One model input produced by preprocessing: a [batch, columns] tensor, or an image/audio step's [batch, ...] tensor. */
interface PreprocessedTensor {
  dtype: ColumnDtype;
  data: ColumnArray;
  dims: number[];
}

export interface Preprocessor {
  /** Column names fed to the model, inputs in order then columns in order (the layout of `transformRow`). */
  readonly columns: readonly string[];
  /** Build every model input for a batch; throws ERR_BAD_INPUT naming each instance and feature that cannot be fed. */
  transform(instances: readonly Instance[]): Map<string, PreprocessedTensor>;
  /** One instance as float64 numbers in `columns` order; `index` only labels error paths. */
  transformRow(instance: Instance, index?: number): number[];
}

type Cell = FeatureValue;
/** `fail` records why a cell cannot be computed (the transform then throws with every such issue). */
type Op = (row: Cell[], fail: (slot: number, message: string) => void) => void;

/** Cells that cannot be fed: the first MAX_ISSUES as issues, and how many in all. */
interface BadCells {
  issues: Issue[];
  count: number;
}

interface CompiledInput {
  name: string;
  dtype: ColumnDtype;
  columns: readonly string[];
  slots: Int32Array;
}

const allocate = (dtype: ColumnDtype, n: number): ColumnArray =>
  dtype === "float64" ? new Float64Array(n) : dtype === "int64" ? new BigInt64Array(n) : dtype === "int32" ? new Int32Array(n) : new Float32Array(n);

const FLOAT32_MAX = 3.4028234663852886e38;

/** Null, a missing key, and NaN (how pandas/CSV spell "missing") all count as missing. */
const isMissing = (v: Cell): boolean => v === null || (typeof v === "number" && Number.isNaN(v));

/** Numeric ops act on numbers and booleans (as 0/1); null and text pass through for `impute` or the concat check. */
function numeric(s: number, o: number, f: (x: number) => number): Op {
  return (row) => {
    const v = row[s] ?? null;
    row[o] = typeof v === "number" ? f(v) : typeof v === "boolean" ? f(v ? 1 : 0) : v;
  };
}

/** Lookup key for category ops: integer categories (e.g. pclass 1/2/3) match their string spelling. */
const key = (v: Cell): string | null => (v === null ? null : String(v));

class Slots {
  readonly index = new Map<string, number>();
  /** The feature each slot derives from, so an error at concat can point at the field the client sent. */
  readonly origin: string[] = [];
  readonly sources: { name: string; slot: number }[] = [];

  private readonly parsers = new Map<number, (v: string | number) => DateTimeValue | undefined>();

  /**
   * One parse per date per row: year, month and weekday of one column are three steps over the same value, so each
   * source slot keeps its last value and parse (a date string is parsed once, not three times).
   */
  dateParser(slot: number): (v: string | number) => DateTimeValue | undefined {
    let parser = this.parsers.get(slot);
    if (parser === undefined) {
      let last: string | number | undefined;
      let result: DateTimeValue | undefined;
      parser = (v) => {
        if (v !== last) {
          last = v;
          result = parseDateTime(v);
        }
        return result;
      };
      this.parsers.set(slot, parser);
    }
    return parser;
  }

  read(name: string): number {
    const known = this.index.get(name);
    if (known !== undefined) return known;
    const slot = this.add(name, name);
    this.sources.push({ name, slot });
    return slot;
  }

  write(name: string, origin: string): number {
    const known = this.index.get(name);
    if (known === undefined) return this.add(name, origin);
    this.origin[known] = origin;
    return known;
  }

  private add(name: string, origin: string): number {
    this.index.set(name, this.origin.length);
    this.origin.push(origin);
    return this.origin.length - 1;
  }
}

type ColumnStep = Exclude<PreprocessStep, TensorStep>;

function compileStep(step: ColumnStep, slots: Slots): Op {
  const s = slots.read(step.feature);
  const origin = slots.origin[s] ?? step.feature;
  const out = step.output ?? step.feature;
  switch (step.op) {
    case "date_part": {
      const o = slots.write(out, origin);
      const { part, timeZone } = step;
      const parse = slots.dateParser(s);
      return (row, fail) => {
        const v = row[s] ?? null;
        if (isMissing(v)) {
          row[o] = null;
          return;
        }
        const parsed = typeof v === "string" || typeof v === "number" ? parse(v) : undefined;
        if (parsed === undefined) {
          fail(s, `${describeDateProblem(v)}; send an ISO-8601 date ("2024-02-29", "2024-02-29T13:05:00Z") or epoch milliseconds`);
          row[o] = 0;
          return;
        }
        row[o] = datePart(parsed, part, timeZone);
      };
    }
    case "bucketize": {
      const o = slots.write(out, origin);
      const { boundaries } = step;
      return (row) => {
        const v = row[s] ?? null;
        row[o] = typeof v === "number" && !Number.isNaN(v) ? bucketize(v, boundaries) : v;
      };
    }
    case "hash_bucket": {
      const o = slots.write(out, origin);
      const { buckets } = step;
      return (row, fail) => {
        const v = row[s] ?? null;
        if (isMissing(v)) {
          row[o] = null;
          return;
        }
        const h = typeof v === "string" || typeof v === "number" ? hashBucket(v, buckets) : undefined;
        if (h === undefined) {
          fail(s, `cannot hash ${describeValue(v)} into a bucket; send a string or a whole number`);
          row[o] = 0;
          return;
        }
        row[o] = h;
      };
    }
    case "impute": {
      const o = slots.write(out, origin);
      const fill = step.value;
      return (row) => {
        const v = row[s] ?? null;
        row[o] = isMissing(v) ? fill : v;
      };
    }
    case "missing_indicator": {
      const o = slots.write(out, origin);
      return (row) => {
        row[o] = isMissing(row[s] ?? null) ? 1 : 0;
      };
    }
    case "standardize": {
      const { mean, std } = step;
      return numeric(s, slots.write(out, origin), (x) => (x - mean) / std);
    }
    case "min_max": {
      const { min, max } = step;
      return numeric(s, slots.write(out, origin), (x) => (x - min) / (max - min));
    }
    case "clip": {
      const lo = step.min ?? -Infinity;
      const hi = step.max ?? Infinity;
      return numeric(s, slots.write(out, origin), (x) => Math.min(Math.max(x, lo), hi));
    }
    case "log1p":
      return numeric(s, slots.write(out, origin), Math.log1p);
    case "one_hot": {
      const outs = Int32Array.from(step.categories, (c) => slots.write(`${out}=${c}`, origin));
      const unknown = step.unknown === "bucket" ? slots.write(`${out}=__unknown__`, origin) : -1;
      const lookup = new Map<string | null, number>();
      // First occurrence wins if a category is listed twice, matching how the columns were named.
      step.categories.forEach((c, i) => lookup.has(c) || lookup.set(c, outs[i] ?? -1));
      return (row) => {
        for (let i = 0; i < outs.length; i++) row[outs[i] ?? 0] = 0;
        if (unknown >= 0) row[unknown] = 0;
        const hit = lookup.get(key(row[s] ?? null)) ?? unknown;
        if (hit >= 0) row[hit] = 1;
      };
    }
    case "ordinal": {
      const o = slots.write(out, origin);
      // A Map, not the mapping object: a category named "constructor" must not hit Object.prototype.
      const lookup = new Map<string | null, number>(Object.entries(step.mapping));
      const unknown = step.unknown;
      return (row) => {
        row[o] = lookup.get(key(row[s] ?? null)) ?? unknown;
      };
    }
  }
}

/** Why one binary value cannot be fed (MediaError) or an internal failure (rethrown). */
function mediaMessage(err: unknown): string {
  if (err instanceof MediaError) return err.message;
  throw err;
}

/**
 * The image/audio step compiler (decoders included) when the spec has such steps, loaded on demand: a tabular model's
 * page or Worker never carries the PNG/JPEG/WAV decoders.
 *
 * @example
 * ```ts
 * const pre = createPreprocessor(p, await loadMediaSteps(p));
 * ```
 */
export async function loadMediaSteps(p: Preprocessing): Promise<MediaSteps | undefined> {
  return p.steps.some(isTensorStep) ? (await import("./preprocess-media.ts")).MEDIA_STEPS : undefined;
}

/** The column names fed to the model, inputs in declared order then columns in declared order. */
export function inputColumns(p: Preprocessing): string[] {
  return p.inputs.flatMap((i) => i.columns);
}

/**
 * Compile a preprocessing spec once; the result is safe to share across requests (it keeps no per-call state).
 *
 * @example
 * ```ts
 * const pre = createPreprocessor(Preprocessing.parse({
 *   steps: [{ op: "standardize", feature: "age", mean: 39, std: 13 }],
 *   inputs: [{ name: "x", columns: ["age"] }],
 * }));
 * pre.transformRow({ age: 65 }); // [2]
 * ```
 */
export function createPreprocessor(p: Preprocessing, media?: MediaSteps): Preprocessor {
  const slots = new Slots();
  const ops: Op[] = [];
  const tensorSteps: CompiledTensorStep[] = [];
  for (const step of p.steps) {
    if (!isTensorStep(step)) ops.push(compileStep(step, slots));
    else if (media) tensorSteps.push(media.compile(step));
    else throw new EdgeMlError("ERR_INTERNAL", `preprocessing step "${step.op}" needs the image/audio decoders: create the preprocessor with loadMediaSteps()`);
  }
  const inputs: CompiledInput[] = p.inputs.map((i) => ({
    name: i.name,
    dtype: i.dtype,
    columns: i.columns,
    slots: Int32Array.from(i.columns, (c) => slots.read(c)),
  }));
  const { sources, origin } = slots;
  const width = origin.length;
  const columns = inputColumns(p);

  /** Load one instance and run every step; `row` is reused across instances to keep the hot path allocation-free. */
  const run = (row: Cell[], instance: Instance, fail: (slot: number, message: string) => void): void => {
    for (const { name, slot } of sources) {
      const v = Object.hasOwn(instance, name) ? (instance[name] ?? null) : null;
      // Binary values only feed tensor steps; a column step reading one sees it as not a number/text.
      row[slot] = typeof v === "object" && v !== null ? Number.NaN : v;
    }
    for (const op of ops) op(row, fail);
  };

  const badAt = (bad: BadCells, path: string, message: string): void => {
    bad.count++;
    if (bad.issues.length < MAX_ISSUES) bad.issues.push({ path, message });
  };
  /**
   * One fail callback per call (not per row: the hot path allocates nothing per instance). A field read by several
   * steps (year and month of one date) is reported once per instance.
   */
  const failer = (bad: BadCells) => {
    const seen = new Set<string>();
    const at = { row: 0 };
    const fail = (slot: number, message: string) => {
      const path = `instances[${at.row}].${origin[slot] ?? ""}`;
      if (seen.has(path)) return;
      seen.add(path);
      badAt(bad, path, message);
    };
    return { at, fail };
  };

  /**
   * A cell as the number the model gets; a cell that cannot be one is recorded in `bad` (for one error listing every
   * instance) and written as 0, which never reaches the model because the call then throws.
   */
  const toNumber = (v: Cell, at: number, input: CompiledInput, j: number, i: number, wide: boolean, bad: BadCells): number => {
    const x = typeof v === "number" ? v : typeof v === "boolean" ? (v ? 1 : 0) : Number.NaN;
    const integral = input.dtype === "int64" || input.dtype === "int32";
    // A finite float64 past ±3.4e38 would become ±Infinity in a Float32Array.
    if (Number.isFinite(x) && (wide || Math.abs(x) <= FLOAT32_MAX) && (!integral || Number.isSafeInteger(x))) {
      if (input.dtype !== "int32" || (x >= -0x80000000 && x <= 0x7fffffff)) return x;
    }
    const column = input.columns[j] ?? "";
    const message =
      v === null
        ? `missing value: the model needs a number for column "${column}" of input "${input.name}" and no step fills it; send a value`
        : integral && Number.isFinite(x)
          ? `column "${column}" of input "${input.name}" is ${describeValue(v)} after preprocessing; the model input is ${input.dtype} and needs a whole number${input.dtype === "int32" ? " within ±2^31" : ""}`
          : `column "${column}" of input "${input.name}" is ${describeValue(v)} after preprocessing; the model needs a finite number`;
    badAt(bad, `instances[${i}].${origin[at] ?? column}`, message);
    return 0;
  };

  const throwIfBad = ({ issues, count }: BadCells): void => {
    if (count === 0) return;
    throw new EdgeMlError("ERR_BAD_INPUT", `${count} value${count === 1 ? "" : "s"} cannot be fed to the model`, {
      issues: capIssues(issues, count),
      hint: 'fix the values listed in issues: a number (or true/false) for every numeric feature, null only where the model imputes it, dates as ISO-8601 or epoch ms, images/audio as {"b64": ...}',
    });
  };

  /** One image/audio step over the batch: [batch, ...per-instance dims], every bad instance recorded with its path. */
  const tensorStepOutput = (t: CompiledTensorStep, instances: readonly Instance[], bad: BadCells): PreprocessedTensor => {
    const batch = instances.length;
    const { feature } = t.step;
    const valueAt = (i: number): InstanceValue => {
      const instance = instances[i] ?? {};
      return Object.hasOwn(instance, feature) ? (instance[feature] ?? null) : null;
    };
    const fail = (i: number, err: unknown) => badAt(bad, `instances[${i}].${feature}`, mediaMessage(err));
    if (t.size !== undefined && t.dims !== undefined) {
      const data = new Float32Array(batch * t.size);
      for (let i = 0; i < batch; i++) {
        try {
          t.write(valueAt(i), data, i * t.size);
        } catch (err) {
          fail(i, err);
        }
      }
      return { dtype: "float32", data, dims: [batch, ...t.dims] };
    }
    // Audio without a fixed length: every instance must come out the same length to stack.
    const rows: (Float32Array | undefined)[] = [];
    for (let i = 0; i < batch; i++) {
      try {
        rows.push(t.prepare(valueAt(i)));
      } catch (err) {
        rows.push(undefined);
        fail(i, err);
      }
    }
    const size = rows.find((r) => r !== undefined)?.length ?? 0;
    const data = new Float32Array(batch * size);
    rows.forEach((r, i) => {
      if (r === undefined) return;
      if (r.length !== size) {
        badAt(
          bad,
          `instances[${i}].${feature}`,
          `has ${r.length} samples after resampling, but instances[0] has ${size}; set "length" on the audio step to pad/trim, or send clips of equal length`,
        );
        return;
      }
      data.set(r, i * size);
    });
    return { dtype: "float32", data, dims: [batch, size] };
  };

  return {
    columns,
    transform(instances) {
      const batch = instances.length;
      const row = new Array<Cell>(width).fill(null);
      const outs = inputs.map((i) => allocate(i.dtype, batch * i.slots.length));
      const bad: BadCells = { issues: [], count: 0 };
      const { at, fail } = failer(bad);
      for (let i = 0; i < batch; i++) {
        at.row = i;
        run(row, instances[i] ?? {}, fail);
        for (let k = 0; k < inputs.length; k++) {
          const input = inputs[k] as CompiledInput;
          const data = outs[k] as ColumnArray;
          const wide = input.dtype === "float64";
          const n = input.slots.length;
          if (data instanceof BigInt64Array) {
            for (let j = 0; j < n; j++) {
              const at = input.slots[j] ?? 0;
              data[i * n + j] = BigInt(toNumber(row[at] ?? null, at, input, j, i, wide, bad));
            }
            continue;
          }
          for (let j = 0; j < n; j++) {
            const at = input.slots[j] ?? 0;
            data[i * n + j] = toNumber(row[at] ?? null, at, input, j, i, wide, bad);
          }
        }
      }
      const feeds = new Map<string, PreprocessedTensor>(
        inputs.map((input, k) => [input.name, { dtype: input.dtype, data: outs[k] as ColumnArray, dims: [batch, input.slots.length] }]),
      );
      for (const t of tensorSteps) feeds.set(t.step.input, tensorStepOutput(t, instances, bad));
      throwIfBad(bad);
      return feeds;
    },
    transformRow(instance, index = 0) {
      const row = new Array<Cell>(width).fill(null);
      const bad: BadCells = { issues: [], count: 0 };
      const { at, fail } = failer(bad);
      at.row = index;
      run(row, instance, fail);
      const out: number[] = [];
      // float64 on purpose: the skew check compares against training values, not against float32 roundings.
      for (const input of inputs) input.slots.forEach((at, j) => out.push(toNumber(row[at] ?? null, at, input, j, index, true, bad)));
      throwIfBad(bad);
      return out;
    },
  };
}
