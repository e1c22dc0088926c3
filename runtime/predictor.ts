/**
 * The predictor: validate ▶ preprocess ▶ infer ▶ postprocess, for feature models and tensor models alike.
 * All input problems become `HttpError`s (400 with every bad field's path, 422 for tensors the model rejects).
 *
 * @example
 * ```ts
 * const predictor = createPredictor({ manifest, session, maxBatch: 256 });
 * const { predictions } = await predictor.predict({ instances: [{ sex: "female", age: 29, passengerClass: "1st" }] });
 * // A model whose features come from feature views (issue 16) looks them up first, by the key each instance sends:
 * const looked = createPredictor({ manifest, session, maxBatch: 256, lookup: { plan, reader } });
 * await looked.predict({ instances: [{ passenger_id: "7", age: 29 }] }); // { predictions, instances, lookup }
 * ```
 */
import { DEFAULT_MAX_TENSOR_ELEMENTS } from "../core/body-limit.ts";
import { EdgeMlError, type Issue } from "../core/errors.ts";
import { createPredictRequestValidator } from "../core/features.ts";
import { createPostprocessor, postprocessBatch } from "../core/postprocess.ts";
import { createPreprocessor, loadMediaSteps, type Preprocessor } from "../core/preprocess.ts";
import { isTensorStep } from "../core/schema/tensor-step.ts";
import type { Instance } from "../core/schema/features.ts";
import type { Manifest, TensorSpec } from "../core/schema/manifest.ts";
import { IssueList } from "../core/issues.ts";
import { parseTensorInstances, parseV2Inputs, DTYPE_TO_V2 } from "../core/tensor-input.ts";
import { type RequestedOutput, requestedOutputs, tensorBytes } from "../core/v2-binary.ts";
import type { EngineSession, TensorData } from "./engines/types.ts";
import type { FeatureLookup, LookupResult } from "./features/lookup.ts";
import { withLookupStats } from "./features/lookup-stats.ts";
import type { FeatureStoreReader, LookupPlan, LookupStats } from "./features/types.ts";
import { HttpError } from "./http-error.ts";

export interface PredictorOptions {
  manifest: Manifest;
  session: EngineSession;
  maxBatch: number;
  /** Most tensor elements in one request, across inputs (guards memory). */
  maxElements?: number;
  /**
   * Who calls: the edge app's HTTP routes (default), or page code through `loadModel()` (targets/browser). Only the
   * hints in errors differ: a page has no `POST /v2/...` route to point at.
   */
  surface?: Surface;
  /**
   * Feature views the model's features come `from` (issue 16) and the store to read them from: :predict instances send
   * each view's key, and the looked-up values are merged in before validation (runtime/features/lookup.ts).
   */
  lookup?: { plan: LookupPlan; reader: FeatureStoreReader } | undefined;
}

export type Surface = "http" | "page";

/** What an error tells the caller to do next, in the words of the API they are using. */
const HINTS = {
  http: {
    shapes: "check the input shapes against GET /v2/models/<name>",
    multiInput: "use POST /v2/models/<name>/infer with one entry per input",
    instances: ":predict instances",
    fields: "fix the fields listed in issues; GET /openapi.json describes the request",
  },
  page: {
    shapes: "check the input shapes against model.manifest.io.inputs",
    multiInput: "pass named tensors, one entry per input: model.predict({ name: tensor, ... }) or model.infer({ name: tensor, ... })",
    instances: "model.predict([...]) instances",
    fields: "fix the fields listed in issues; model.manifest.io.inputs (tensors) or model.manifest.features describe the input",
  },
} as const satisfies Record<Surface, Record<string, string>>;

export interface PredictResult {
  predictions: unknown[];
  /** The validated feature instances (feature models only; telemetry profiles them), looked-up values included. */
  instances?: Instance[];
  /** What the request looked up (models with feature views, when a view was read). */
  lookup?: LookupStats;
}

/** One V2 output: its values as JSON `data`, or (binary tensor extension) their byte size, the bytes in `binary`. */
export type V2Output = { name: string; shape: number[]; datatype: string } & (
  | { data: (number | string | boolean)[] }
  | { parameters: { binary_data_size: number } }
);

/** The V2 answer; `binary` (not JSON) holds the bytes of the outputs asked for as binary, in order. */
export type InferResponse = { model_name: string; model_version: string; id?: string; outputs: V2Output[]; binary?: Uint8Array[] };

export interface Predictor {
  predict(body: unknown): Promise<PredictResult>;
  /** `binary`: the body after the JSON header, when the request uses the binary tensor extension. */
  infer(body: unknown, binary?: Uint8Array): Promise<InferResponse>;
  /** Run already validated feeds (the page API's named tensors): the engine's outputs, as typed arrays. */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  /** `predict` from already validated feeds: postprocessed predictions, or each output's rows. */
  predictFeeds(feeds: Record<string, TensorData>): Promise<PredictResult>;
  /** The 400 for these input issues, in this surface's words (for validation done outside the predictor). */
  invalid(issues: Issue[]): HttpError;
}

export function createPredictor(opts: PredictorOptions): Predictor {
  const { manifest, session } = opts;
  const hints = HINTS[opts.surface ?? "http"];
  const badRequest = (issues: Issue[], message?: string) => invalidInput(issues, hints.fields, message);
  const limits = { maxBatch: opts.maxBatch, maxElements: opts.maxElements ?? DEFAULT_MAX_TENSOR_ELEMENTS };
  // Compiled once per model load: zod schema, preprocessing closures, postprocessing.
  const validate = manifest.features ? createPredictRequestValidator(manifest.features, { maxBatch: limits.maxBatch }) : undefined;
  // Image/audio decoders load on demand (their own chunk in a page build): a tabular model never carries them.
  const pre = manifest.preprocessing;
  let preprocessor: Preprocessor | undefined = pre && !pre.steps.some(isTensorStep) ? createPreprocessor(pre) : undefined;
  const mediaReady = pre && !preprocessor ? loadMediaSteps(pre).then((media) => (preprocessor = createPreprocessor(pre, media))) : undefined;
  // A failed load surfaces on the first predict, never as an unhandled rejection.
  mediaReady?.catch(() => {});
  const post = manifest.postprocessing ? createPostprocessor(manifest.postprocessing) : undefined;
  // The lookup (and the CSV-cell conversion it brings) loads on demand, like the media decoders: a model that looks
  // nothing up never carries it (a page build keeps it out of its first load).
  const lookupOpts =
    opts.lookup && manifest.features && Object.keys(opts.lookup.plan.views).length > 0 ? { ...opts.lookup, features: manifest.features } : undefined;
  let lookupReady: Promise<FeatureLookup> | undefined;
  const lookup =
    lookupOpts &&
    (async (instances: readonly unknown[]) => {
      lookupReady ??= import("./features/lookup.ts").then((m) =>
        m.createFeatureLookup({ features: lookupOpts.features, plan: lookupOpts.plan, reader: lookupOpts.reader, maxBatch: limits.maxBatch }),
      );
      return (await lookupReady)(instances);
    });
  const outputName = manifest.postprocessing?.output ?? manifest.io.outputs[0]!.name;
  const allJson: readonly RequestedOutput[] = session.outputNames.map((name) => ({ name, binary: false }));

  const run = async (feeds: Record<string, TensorData>) => {
    try {
      return await session.run(feeds);
    } catch (err) {
      // Inputs passed validation but the model still refused them (e.g. a dim the graph fixes deeper inside).
      throw new HttpError(422, "UNPROCESSABLE_TENSOR", `the model could not run on this input: ${(err as Error).message}`, {
        hint: hints.shapes,
      });
    }
  };

  const predictTensors = async (feeds: Record<string, TensorData>): Promise<PredictResult> => {
    const outputs = await run(feeds);
    if (post) {
      const out = outputs[outputName]!;
      return { predictions: postprocessBatch(out.data as ArrayLike<number>, out.dims, post) };
    }
    return { predictions: splitRows(outputs, session.outputNames) };
  };

  /** A feature model's request (looked-up values merged in, when `looked`): validate ▶ preprocess ▶ run ▶ postprocess. */
  const predictFeatures = async (body: unknown, looked: LookupResult | undefined): Promise<PredictResult> => {
    const checked = validate!(body);
    if (!checked.ok) throw badRequest(looked ? looked.annotate(checked.issues) : checked.issues);
    const compiled = preprocessor ?? (await (mediaReady as Promise<Preprocessor>));
    let feeds: Record<string, TensorData>;
    try {
      feeds = Object.fromEntries(compiled.transform(checked.instances));
    } catch (err) {
      if (err instanceof EdgeMlError) throw badRequest(looked ? looked.annotate(err.issues) : err.issues, err.message);
      throw err;
    }
    const outputs = await run(feeds);
    const stats = looked && Object.keys(looked.stats.views).length > 0 ? { lookup: looked.stats } : {};
    // Image/audio models without postprocessing (e.g. a detector's probability map) answer their raw outputs.
    if (!post && manifest.task === "tensor") return { predictions: splitRows(outputs, session.outputNames), instances: checked.instances, ...stats };
    const out = outputs[outputName]!;
    return { predictions: postprocessBatch(out.data as ArrayLike<number>, out.dims, post), instances: checked.instances, ...stats };
  };

  return {
    async predict(body) {
      if (validate && pre) {
        // A body without an instances array is the validator's 400, with nothing read.
        if (lookup === undefined || !isObject(body) || !Array.isArray(body["instances"])) return predictFeatures(body, undefined);
        const looked = await lookup(body["instances"]);
        try {
          return await predictFeatures({ ...body, instances: looked.instances }, looked);
        } catch (err) {
          // A refused request still reports what it looked up (telemetry's miss rate counts every read).
          throw withLookupStats(err, looked.stats);
        }
      }
      const input = singleInput(manifest.io.inputs, hints);
      const instances = isObject(body) ? body["instances"] : undefined;
      if (!isObject(body) || !("instances" in body)) {
        throw badRequest([{ path: "instances", message: 'required: send {"instances": [...]}' }]);
      }
      const parsed = parseTensorInstances(instances, input, limits);
      if (!parsed.ok) throw badRequest(parsed.issues);
      return predictTensors({ [input.name]: parsed.tensor });
    },

    run,
    predictFeeds: predictTensors,
    invalid: badRequest,

    async infer(body, binary) {
      const parsed = parseV2Inputs(body, manifest.io.inputs, limits, binary);
      // A request without `outputs` or `parameters` takes the shared all-JSON list: nothing allocated per request.
      const wanted =
        isObject(body) && (body["outputs"] !== undefined || body["parameters"] !== undefined)
          ? selectOutputs(body, session.outputNames, parsed, badRequest)
          : allJson;
      if (!parsed.ok) throw badRequest(parsed.issues);
      const outputs = await run(parsed.feeds);
      let parts: Uint8Array[] | undefined;
      const out = wanted.map(({ name, binary: asBinary }): V2Output => {
        const t = outputs[name]!;
        const datatype = DTYPE_TO_V2[t.dtype] ?? t.dtype;
        if (!asBinary) return { name, shape: [...t.dims], datatype, data: toJsonArray(t.data) };
        // A copy: an engine may reuse its output buffers on the next run, before the response is written.
        const bytes = tensorBytes(t.data).slice();
        (parts ??= []).push(bytes);
        return { name, shape: [...t.dims], datatype, parameters: { binary_data_size: bytes.byteLength } };
      });
      return {
        model_name: manifest.name,
        model_version: manifest.version,
        ...(parsed.id !== undefined ? { id: parsed.id } : {}),
        outputs: out,
        ...(parts ? { binary: parts } : {}),
      };
    },
  };
}

/** The outputs a V2 request asks for (core/v2-binary.ts), with the input issues when there are any of either. */
function selectOutputs(
  body: Record<string, unknown>,
  names: readonly string[],
  parsed: { ok: boolean; issues?: Issue[] },
  badRequest: (issues: Issue[]) => HttpError,
): RequestedOutput[] {
  const issues = new IssueList();
  const wanted = requestedOutputs(body, names, issues);
  if (issues.count > 0) throw badRequest([...(parsed.issues ?? []), ...issues.toArray()]);
  return wanted;
}

function singleInput(inputs: readonly TensorSpec[], hints: { multiInput: string; instances: string }): TensorSpec {
  if (inputs.length !== 1) {
    const names = inputs.map((i) => i.name).join(", ");
    throw new HttpError(400, "USE_V2_INFER", `this model has ${inputs.length} inputs (${names}); ${hints.instances} cannot name them`, {
      hint: hints.multiInput,
    });
  }
  return inputs[0]!;
}

function invalidInput(issues: Issue[], hint: string, message?: string): HttpError {
  const first = issues[0];
  return new HttpError(
    400,
    "INVALID_INPUT",
    message ?? `invalid input: ${issues.length} problem${issues.length === 1 ? "" : "s"}${first ? `, first at ${first.path}: ${first.message}` : ""}`,
    { issues, hint },
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON cannot carry BigInt or typed arrays: int64 values become numbers (exact up to 2^53). */
function toJsonArray(data: TensorData["data"]): (number | string | boolean)[] {
  const out = new Array<number | string | boolean>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    out[i] = typeof v === "bigint" ? Number(v) : v;
  }
  return out;
}

/** Split each output's batch dimension into per-instance nested arrays. */
function splitRows(outputs: Record<string, TensorData>, names: readonly string[]): unknown[] {
  const nest = (flat: (number | string | boolean)[], dims: readonly number[]): unknown => {
    if (dims.length === 0) return flat[0];
    if (dims.length === 1) return flat;
    const size = flat.length / dims[0]!;
    return Array.from({ length: dims[0]! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), dims.slice(1)));
  };
  const perOutput = names.map((name) => {
    const t = outputs[name]!;
    const flat = toJsonArray(t.data);
    const batch = t.dims[0] ?? 1;
    const size = flat.length / Math.max(batch, 1);
    return Array.from({ length: batch }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), t.dims.slice(1)));
  });
  const batch = perOutput[0]?.length ?? 0;
  return Array.from({ length: batch }, (_, i) => (names.length === 1 ? perOutput[0]![i] : Object.fromEntries(names.map((n, j) => [n, perOutput[j]![i]]))));
}
