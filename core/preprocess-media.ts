/**
 * Image and audio preprocessing steps (decode PNG/JPEG/WAV, resize, resample, write the model's float tensor), apart
 * from core/preprocess.ts so that only models with such steps load the decoders (`loadMediaSteps`).
 *
 * @example
 * ```ts
 * const pre = createPreprocessor(manifest.preprocessing, MEDIA_STEPS); // in Node, where size does not matter
 * ```
 */
import { describeValue } from "./describe-value.ts";
import { prepareAudio } from "./media/audio-tensor.ts";
import { decodeBase64 } from "./media/base64.ts";
import { MediaError } from "./media/errors.ts";
import { decodeImage } from "./media/image-decode.ts";
import { imageTensorDims } from "./media/image-dims.ts";
import { writeImageTensor } from "./media/image-tensor.ts";
import { isRawImage, type RawImage } from "./media/raw-image.ts";
import type { FeatureValue, InstanceValue } from "./schema/features.ts";
import type { AudioStep, ImageStep, TensorStep } from "./schema/preprocessing.ts";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The encoded bytes of a binary value, or undefined for decoded pixels/samples. Throws MediaError on a bad shape. */
function bytesOf(v: InstanceValue, what: string): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (isRecord(v) && typeof (v as { b64?: unknown }).b64 === "string") return decodeBase64((v as { b64: string }).b64);
  if (v === null) throw new MediaError(`missing ${what}`);
  return undefined;
}

/** An image or audio step compiled for one model input. */
export interface CompiledTensorStep {
  step: TensorStep;
  /** Elements per instance when fixed (image, audio with `length`), else undefined (audio: every instance must agree). */
  size: number | undefined;
  /** Per-instance dims when fixed. */
  dims: number[] | undefined;
  /** The instance's value as floats for this input; throws MediaError. */
  prepare(v: InstanceValue): Float32Array | undefined;
  write(v: InstanceValue, out: Float32Array, offset: number): void;
}

function compileImageStep(step: ImageStep): CompiledTensorStep {
  const dims = imageTensorDims(step);
  const size = dims.reduce((a: number, b: number) => a * b, 1);
  const toImage = (v: InstanceValue): RawImage => {
    const bytes = bytesOf(v, "image");
    if (bytes !== undefined) return decodeImage(bytes);
    if (isRawImage(v)) return v;
    throw new MediaError(`expected an image ({"b64": "<PNG or JPEG bytes in base64>"}), got ${describeValue(v as FeatureValue)}`);
  };
  return {
    step,
    size,
    dims,
    prepare: () => undefined,
    write: (v, out, offset) => writeImageTensor(toImage(v), step, out, offset),
  };
}

function compileAudioStep(step: AudioStep): CompiledTensorStep {
  const prepare = (v: InstanceValue): Float32Array => {
    if (v instanceof Float32Array) return prepareAudio(v, step);
    const bytes = bytesOf(v, "audio");
    if (bytes !== undefined) return prepareAudio(bytes, step);
    throw new MediaError(`expected audio ({"b64": "<WAV bytes in base64>"}), got ${describeValue(v as FeatureValue)}`);
  };
  const size = step.length;
  return {
    step,
    size,
    dims: size === undefined ? undefined : [size],
    prepare,
    write: (v, out, offset) => out.set(prepare(v), offset),
  };
}

/** Compiles image and audio steps for createPreprocessor. */
export interface MediaSteps {
  compile(step: TensorStep): CompiledTensorStep;
}

export const MEDIA_STEPS: MediaSteps = {
  compile: (step) => (step.op === "image" ? compileImageStep(step) : compileAudioStep(step)),
};
