/**
 * Static checks of a preprocessing spec against the feature schema and the model's graph inputs, run by
 * `edge-ml models add` so an incoherent spec is refused at registration instead of failing every request at the edge.
 *
 * @example
 * ```ts
 * const issues = validatePreprocessing(preprocessing, features, info.inputs);
 * // [{ path: "preprocessing.steps[2].feature", message: '"agee" is not a feature or an earlier step\'s output ...' }]
 * ```
 */
import { isValidTimeZone } from "./dates.ts";
import { formatShape, listNames } from "./describe-value.ts";
import type { Issue } from "./errors.ts";
import { imageTensorDims } from "./media/image-dims.ts";
import type { FeatureSpec } from "./schema/features.ts";
import type { TensorSpec } from "./schema/manifest.ts";
import type { Preprocessing, PreprocessStep, TensorStep } from "./schema/preprocessing.ts";
import { isTensorStep } from "./schema/tensor-step.ts";

/** What a column holds, as far as a static check can tell; "any" when there is no feature schema to ask. */
type Kind = "number" | "text" | "date" | "image" | "audio" | "any";

const NUMERIC_OPS = new Set<PreprocessStep["op"]>(["standardize", "min_max", "clip", "log1p", "bucketize"]);

function featureKind(f: FeatureSpec): Kind {
  switch (f.type) {
    case "category":
    case "string":
      return "text";
    case "datetime":
      return "date";
    case "image":
    case "audio":
      return f.type;
    default:
      return "number";
  }
}

/** The per-example dims a tensor step writes (without the batch), undefined where they vary. */
function tensorStepDims(step: TensorStep): number[] | undefined {
  if (step.op === "image") return imageTensorDims(step);
  return step.length === undefined ? undefined : [step.length];
}

/** Columns a step writes, in the order the runtime creates them. */
function written(step: PreprocessStep): string[] {
  if (isTensorStep(step)) return [];
  const out = step.output ?? step.feature;
  if (step.op !== "one_hot") return [out];
  const cols = step.categories.map((c) => `${out}=${c}`);
  return step.unknown === "bucket" ? [...cols, `${out}=__unknown__`] : cols;
}

/**
 * Check that a preprocessing spec is coherent: every step reads a feature or an earlier output, numeric ops read
 * numbers, every input column is produced and numeric, and (given the graph's inputs) every tensor matches a graph
 * input by name, dtype and last dimension. Returns every problem found (empty when the spec is usable).
 *
 * @example
 * ```ts
 * if (validatePreprocessing(p, features, manifest.io.inputs).length > 0) throw ...;
 * ```
 */
export function validatePreprocessing(p: Preprocessing, features?: readonly FeatureSpec[], ioInputs?: readonly TensorSpec[]): Issue[] {
  const issues: Issue[] = [];
  const kinds = new Map<string, Kind>();
  const featureNames = features?.map((f) => f.name) ?? [];
  const byName = new Map(features?.map((f) => [f.name, f]));
  const missing = (name: string, step: number): string => {
    // Telling "out of order" apart from "does not exist" points at the real fix.
    const later = p.steps.findIndex((s, k) => k > step && written(s).includes(name));
    if (later >= 0) return `"${name}" is only produced later, by steps[${later}]; steps run in the order listed`;
    const known = [...kinds.keys()];
    const similar = known.filter((c) => c.includes("=") && c.split("=")[0] === name.split("=")[0]);
    const hint = similar.length > 0 ? `; did you mean one of ${listNames(similar)}?` : featureNames.length > 0 ? ` (features: ${listNames(featureNames)})` : "";
    return `"${name}" is not a feature or an earlier step's output${hint}`;
  };

  /** The kind of a column at this point, or undefined (with an issue) when nothing has produced it. */
  const read = (name: string, path: string, step: number): Kind | undefined => {
    const known = kinds.get(name);
    if (known !== undefined) return known;
    if (features === undefined) return "any";
    const f = byName.get(name);
    if (f !== undefined) return featureKind(f);
    issues.push({ path, message: missing(name, step) });
    return undefined;
  };

  const tensorFed = new Map<string, string>();
  p.steps.forEach((step, i) => {
    const path = `preprocessing.steps[${i}]`;
    const kind = read(step.feature, `${path}.feature`, i);
    if (isTensorStep(step)) {
      if (kind !== undefined && kind !== "any" && kind !== step.op) {
        issues.push({
          path: `${path}.feature`,
          message: `the ${step.op} step reads "${step.feature}", which is a ${kind} feature; declare it with type "${step.op}"`,
        });
      }
      checkTensorStep(step, path, tensorFed, ioInputs, issues);
      return;
    }
    if (kind === "image" || kind === "audio") {
      issues.push({ path: `${path}.feature`, message: `"${step.feature}" is an ${kind} feature; only an ${kind} step can read it` });
    }
    if (kind === "text" && NUMERIC_OPS.has(step.op)) {
      issues.push({ path: `${path}.feature`, message: `${step.op} needs a number, but "${step.feature}" holds text; encode it with one_hot or ordinal first` });
    }
    if (kind === "date" && step.op !== "date_part") {
      issues.push({ path: `${path}.feature`, message: `"${step.feature}" is a datetime; derive numbers from it with date_part first` });
    }
    if (step.op === "date_part" && step.timeZone !== undefined && !isValidTimeZone(step.timeZone)) {
      issues.push({ path: `${path}.timeZone`, message: `"${step.timeZone}" is not an IANA time zone this runtime knows (e.g. "Europe/Berlin", "UTC")` });
    }
    if (step.op === "clip" && step.min !== undefined && step.max !== undefined && step.min > step.max) {
      issues.push({ path: `${path}.max`, message: `max (${step.max}) is below min (${step.min})` });
    }
    let out: Kind = "number";
    if (step.op === "impute") out = kind === "any" || kind === undefined ? (typeof step.value === "string" ? "text" : "number") : kind;
    for (const c of written(step)) kinds.set(c, out);
  });

  const names = new Set<string>(tensorFed.keys());
  p.inputs.forEach((input, i) => {
    const path = `preprocessing.inputs[${i}]`;
    const byStep = tensorFed.get(input.name);
    if (byStep !== undefined) issues.push({ path: `${path}.name`, message: `input "${input.name}" is already written by ${byStep}` });
    else if (names.has(input.name)) issues.push({ path: `${path}.name`, message: `input "${input.name}" is declared twice` });
    names.add(input.name);
    input.columns.forEach((c, j) => {
      const kind = read(c, `${path}.columns[${j}]`, p.steps.length);
      if (kind === "text") {
        issues.push({ path: `${path}.columns[${j}]`, message: `"${c}" holds text; the model needs numbers (encode it with one_hot, ordinal or hash_bucket)` });
      } else if (kind === "date") {
        issues.push({ path: `${path}.columns[${j}]`, message: `"${c}" is a datetime; feed numbers derived from it with date_part (year, month, ...)` });
      } else if (kind === "image" || kind === "audio") {
        issues.push({ path: `${path}.columns[${j}]`, message: `"${c}" is an ${kind} feature; feed it with an ${kind} step, not as a column` });
      }
    });
    if (ioInputs === undefined) return;
    const io = ioInputs.find((t) => t.name === input.name);
    if (io === undefined) {
      issues.push({
        path: `${path}.name`,
        message: `"${input.name}" is not a model input (the model's inputs are: ${listNames(ioInputs.map((t) => t.name))})`,
      });
      return;
    }
    if (io.dtype !== input.dtype) {
      issues.push({ path: `${path}.dtype`, message: `the model input "${io.name}" is ${io.dtype}, but preprocessing makes ${input.dtype}` });
    }
    const last = io.shape[io.shape.length - 1];
    if (io.shape.length !== 2) {
      issues.push({ path: `${path}.name`, message: `the model input "${io.name}" has shape ${formatShape(io.shape)}; preprocessing makes [batch, columns]` });
    } else if (typeof last === "number" && last !== input.columns.length) {
      issues.push({
        path: `${path}.columns`,
        message: `${input.columns.length} columns, but the model input "${io.name}" takes ${last} (shape ${formatShape(io.shape)})`,
      });
    }
  });
  for (const io of ioInputs ?? []) {
    if (!names.has(io.name))
      issues.push({ path: "preprocessing.inputs", message: `the model input "${io.name}" is not fed by any preprocessing input or image/audio step` });
  }
  return issues;
}

/** An image/audio step against the graph input it writes: it exists, is float32, and its fixed dims agree. */
function checkTensorStep(step: TensorStep, path: string, fed: Map<string, string>, ioInputs: readonly TensorSpec[] | undefined, issues: Issue[]): void {
  const previous = fed.get(step.input);
  if (previous !== undefined) issues.push({ path: `${path}.input`, message: `input "${step.input}" is already written by ${previous}` });
  fed.set(step.input, path.replace("preprocessing.", ""));
  if (step.op === "image") {
    const channels = step.channels === "gray" ? 1 : 3;
    for (const key of ["mean", "std"] as const) {
      const v = step[key];
      if (v !== undefined && v.length !== 1 && v.length !== channels) {
        issues.push({
          path: `${path}.${key}`,
          message: `has ${v.length} values; ${step.channels} images have ${channels} channel${channels === 1 ? "" : "s"} (give 1 value or ${channels})`,
        });
      }
    }
    if (step.crop !== undefined && (step.crop[0] > step.size[0] || step.crop[1] > step.size[1])) {
      issues.push({ path: `${path}.crop`, message: `crop [${step.crop.join(", ")}] is larger than size [${step.size.join(", ")}]` });
    }
  }
  if (ioInputs === undefined) return;
  const io = ioInputs.find((t) => t.name === step.input);
  if (io === undefined) {
    issues.push({ path: `${path}.input`, message: `"${step.input}" is not a model input (the model's inputs are: ${listNames(ioInputs.map((t) => t.name))})` });
    return;
  }
  if (io.dtype !== "float32") issues.push({ path: `${path}.input`, message: `the model input "${io.name}" is ${io.dtype}; ${step.op} steps make float32` });
  const dims = tensorStepDims(step);
  const makes = dims === undefined ? "[batch, samples]" : formatShape(["batch", ...dims]);
  const rank = dims === undefined ? 2 : dims.length + 1;
  const mismatch = io.shape.length !== rank || (dims ?? []).some((d, k) => typeof io.shape[k + 1] === "number" && io.shape[k + 1] !== d);
  if (mismatch) {
    issues.push({
      path: `${path}.${step.op === "image" ? "size" : "length"}`,
      message: `the step makes ${makes}, but the model input "${io.name}" has shape ${formatShape(io.shape)}${step.op === "image" ? " (check size, crop and layout)" : ""}`,
    });
  }
}
