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
import { EdgeMlError, type Issue } from "./errors.ts";
import { describeValue } from "./describe-value.ts";
import { capIssues, MAX_ISSUES } from "./issues.ts";
import type { FeatureValue, Instance } from "./schema/features.ts";
import type { Preprocessing, PreprocessStep } from "./schema/preprocessing.ts";

export { validatePreprocessing } from "./preprocess-validate.ts";

/** One model input produced by preprocessing: a [batch, columns] float tensor. */
interface PreprocessedTensor {
  dtype: "float32" | "float64";
  data: Float32Array | Float64Array;
  dims: [number, number];
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
type Op = (row: Cell[]) => void;

/** Cells that cannot be fed: the first MAX_ISSUES as issues, and how many in all. */
interface BadCells {
  issues: Issue[];
  count: number;
}

interface CompiledInput {
  name: string;
  dtype: "float32" | "float64";
  columns: readonly string[];
  slots: Int32Array;
}

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

function compileStep(step: PreprocessStep, slots: Slots): Op {
  const s = slots.read(step.feature);
  const origin = slots.origin[s] ?? step.feature;
  const out = step.output ?? step.feature;
  switch (step.op) {
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
export function createPreprocessor(p: Preprocessing): Preprocessor {
  const slots = new Slots();
  const ops = p.steps.map((step) => compileStep(step, slots));
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
  const run = (row: Cell[], instance: Instance): void => {
    for (const { name, slot } of sources) row[slot] = Object.hasOwn(instance, name) ? (instance[name] ?? null) : null;
    for (const op of ops) op(row);
  };

  /**
   * A cell as the number the model gets; a cell that cannot be one is recorded in `bad` (for one error listing every
   * instance) and written as 0, which never reaches the model because the call then throws.
   */
  const toNumber = (v: Cell, at: number, input: CompiledInput, j: number, i: number, wide: boolean, bad: BadCells): number => {
    const x = typeof v === "number" ? v : typeof v === "boolean" ? (v ? 1 : 0) : Number.NaN;
    // A finite float64 past ±3.4e38 would become ±Infinity in a Float32Array.
    if (Number.isFinite(x) && (wide || Math.abs(x) <= FLOAT32_MAX)) return x;
    bad.count++;
    if (bad.issues.length < MAX_ISSUES) {
      const column = input.columns[j] ?? "";
      const message =
        v === null
          ? `missing value: the model needs a number for column "${column}" of input "${input.name}" and no step fills it; send a value`
          : `column "${column}" of input "${input.name}" is ${describeValue(v)} after preprocessing; the model needs a finite number`;
      bad.issues.push({ path: `instances[${i}].${origin[at] ?? column}`, message });
    }
    return 0;
  };

  const throwIfBad = ({ issues, count }: BadCells): void => {
    if (count === 0) return;
    throw new EdgeMlError("ERR_BAD_INPUT", `${count} value${count === 1 ? "" : "s"} cannot be fed to the model`, {
      issues: capIssues(issues, count),
      hint: "send a number (or true/false) for every feature the model needs; null only where the model imputes it",
    });
  };

  return {
    columns,
    transform(instances) {
      const batch = instances.length;
      const row = new Array<Cell>(width).fill(null);
      const outs = inputs.map((i) => (i.dtype === "float64" ? new Float64Array(batch * i.slots.length) : new Float32Array(batch * i.slots.length)));
      const bad: BadCells = { issues: [], count: 0 };
      for (let i = 0; i < batch; i++) {
        run(row, instances[i] ?? {});
        for (let k = 0; k < inputs.length; k++) {
          const input = inputs[k] as CompiledInput;
          const data = outs[k] as Float32Array | Float64Array;
          const wide = input.dtype === "float64";
          const n = input.slots.length;
          for (let j = 0; j < n; j++) {
            const at = input.slots[j] ?? 0;
            data[i * n + j] = toNumber(row[at] ?? null, at, input, j, i, wide, bad);
          }
        }
      }
      throwIfBad(bad);
      return new Map(
        inputs.map((input, k) => [input.name, { dtype: input.dtype, data: outs[k] as Float32Array | Float64Array, dims: [batch, input.slots.length] }]),
      );
    },
    transformRow(instance, index = 0) {
      const row = new Array<Cell>(width).fill(null);
      run(row, instance);
      const bad: BadCells = { issues: [], count: 0 };
      const out: number[] = [];
      // float64 on purpose: the skew check compares against training values, not against float32 roundings.
      for (const input of inputs) input.slots.forEach((at, j) => out.push(toNumber(row[at] ?? null, at, input, j, index, true, bad)));
      throwIfBad(bad);
      return out;
    },
  };
}
