/**
 * One audio instance into the samples an `audio` preprocessing step feeds the model: WAV bytes are decoded, mixed down
 * to mono (the mean of the channels) and resampled to `step.sampleRate` (scipy.signal.resample_poly); a Float32Array is
 * taken as mono samples already at `step.sampleRate` (what a browser's AudioContext gives). Then × `step.scale` and the
 * end zero-padded or trimmed to `step.length`.
 *
 * @example
 * ```ts
 * const step = AudioStep.parse({ op: "audio", feature: "audio", input: "audio", sampleRate: 16000, length: 16000 });
 * prepareAudio(wavBytes, step); // Float32Array(16000)
 * ```
 */
import type { AudioStep } from "../schema/preprocessing.ts";
import { MediaError } from "./errors.ts";
import { resample } from "./resample.ts";
import { decodeWav } from "./wav.ts";

/**
 * The model-ready samples of one instance. Never modifies `value`; a Float32Array that needs no change (scale 1, no
 * `length" or already that long) is returned as is.
 */
export function prepareAudio(value: Uint8Array | Float32Array, step: Pick<AudioStep, "sampleRate" | "scale" | "length">): Float32Array {
  let samples: Float32Array;
  let owned: boolean;
  if (value instanceof Float32Array) {
    samples = value;
    owned = false;
  } else {
    const { sampleRate, channels } = decodeWav(value);
    const mono = mixDown(channels);
    samples = resample(mono, sampleRate, step.sampleRate);
    owned = true;
  }
  const { length, scale } = step;
  if (length !== undefined && length !== samples.length) {
    const fitted = new Float32Array(length);
    fitted.set(samples.length > length ? samples.subarray(0, length) : samples);
    samples = fitted;
    owned = true;
  }
  if (samples.length === 0) {
    throw new MediaError("audio has no samples", "send a recording at least one sample long, or set `length` in the audio step to pad it");
  }
  if (scale !== 1) {
    if (!owned) samples = samples.slice();
    for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] as number) * scale;
  }
  return samples;
}

/** The mean of the channels, sample by sample; one channel is returned as is. */
export function mixDown(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (first === undefined) throw new MediaError("audio has no channels", "send a recording with at least one channel");
  if (channels.length === 1) return first;
  const out = new Float32Array(first.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (ch[i] as number);
  const inv = channels.length;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / inv;
  return out;
}
