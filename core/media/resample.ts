/**
 * Polyphase resampling with scipy.signal.resample_poly's semantics, so audio resampled at the edge is the audio the
 * model was trained on: up/down reduced by their gcd, the default low-pass filter firwin(2·h+1, 1/max(up, down),
 * window=("kaiser", 5.0)) · up with h = 10·max(up, down), zero padding (padtype "constant"), ceil(n·up/down) outputs,
 * scipy's alignment (output m is centred on input m·down/up).
 *
 * Like scipy with a float32 signal, the filter taps are float32; sums are accumulated in float64, so results agree with
 * scipy within ~1e-7. Only the outputs are computed (each reads one polyphase branch of ~20·max(up, down)/up taps), never
 * the zero-stuffed upsampled signal.
 *
 * @example
 * ```ts
 * resample(samples44k, 44100, 16000); // 160/441 polyphase, ceil(n · 160 / 441) samples
 * resamplePoly(x, 2, 1);              // scipy.signal.resample_poly(x, 2, 1)
 * ```
 */
import { MediaError } from "./errors.ts";

/** 4M taps (16 MB of float32): coprime rates beyond ~200 kHz would need filters too big for an edge isolate. */
const MAX_FILTER_TAPS = 4_000_001;
const KAISER_BETA = 5;
const CACHE_ENTRIES = 4;
/** Big filters (odd rates) are rebuilt when needed rather than pinned in memory by the cache. */
const CACHE_MAX_TAPS = 1 << 20;

/** The filter split into `up` polyphase branches: branch p holds taps p, p + up, p + 2·up, ... contiguously. */
interface Polyphase {
  taps: Float32Array;
  start: Int32Array;
  length: Int32Array;
  halfLen: number;
}

const cache = new Map<string, Polyphase>();

/** Resamples `x` from `fromRate` to `toRate` (Hz); returns `x` itself when the rates are equal. */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return x;
  return resamplePoly(x, toRate, fromRate);
}

/** scipy.signal.resample_poly(x, up, down) for a 1-D float32 signal; always a new array. */
export function resamplePoly(x: Float32Array, up: number, down: number): Float32Array {
  if (!Number.isInteger(up) || !Number.isInteger(down) || up < 1 || down < 1) {
    throw new MediaError(`resample factors must be positive integers, got up=${up} down=${down}`, "pass whole sample rates in Hz");
  }
  const g = gcd(up, down);
  up /= g;
  down /= g;
  if (up === 1 && down === 1) return x.slice();
  const n = x.length;
  const nOut = Math.ceil((n * up) / down);
  const y = new Float32Array(nOut);
  const { taps, start, length, halfLen } = polyphase(up, down);
  for (let m = 0; m < nOut; m++) {
    // Output m reads the upsampled signal at c = m·down + halfLen through taps[c - i·up] for every input i.
    const c = m * down + halfLen;
    const i0 = Math.floor(c / up);
    const p = c - i0 * up;
    const s = start[p] as number;
    const kMin = i0 >= n ? i0 - n + 1 : 0;
    const kMax = Math.min((length[p] as number) - 1, i0);
    let acc = 0;
    for (let k = kMin; k <= kMax; k++) acc += (taps[s + k] as number) * (x[i0 - k] as number);
    y[m] = acc;
  }
  return y;
}

function polyphase(up: number, down: number): Polyphase {
  const key = `${up}/${down}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const maxRate = Math.max(up, down);
  const halfLen = 10 * maxRate;
  const numTaps = 2 * halfLen + 1;
  if (numTaps > MAX_FILTER_TAPS) {
    throw new MediaError(
      `resampling by ${up}/${down} needs a ${numTaps}-tap filter, over the limit of ${MAX_FILTER_TAPS}`,
      "send audio at a standard rate (8000, 16000, 22050, 44100, 48000 Hz)",
    );
  }
  const h = firwinKaiser(numTaps, 1 / maxRate);
  const taps = new Float32Array(numTaps);
  const start = new Int32Array(up);
  const length = new Int32Array(up);
  let o = 0;
  for (let p = 0; p < up; p++) {
    start[p] = o;
    // scipy casts the float64 design to the signal's float32 first, then multiplies by up in float32.
    for (let j = p; j < numTaps; j += up) taps[o++] = Math.fround(Math.fround(h[j] as number) * up);
    length[p] = o - (start[p] as number);
  }
  const result = { taps, start, length, halfLen };
  if (numTaps <= CACHE_MAX_TAPS) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, result);
  }
  return result;
}

/** scipy.signal.firwin(numTaps, cutoff, window=(`kaiser", 5.0)): a windowed sinc low-pass scaled to unit DC gain. */
function firwinKaiser(numTaps: number, cutoff: number): Float64Array {
  const h = new Float64Array(numTaps);
  const alpha = (numTaps - 1) / 2;
  const i0Beta = besselI0(KAISER_BETA);
  let sum = 0;
  for (let k = 0; k < numTaps; k++) {
    const m = k - alpha;
    const t = Math.PI * cutoff * m;
    const sinc = m === 0 ? 1 : Math.sin(t) / t;
    const r = m / alpha;
    const w = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
    const v = cutoff * sinc * w;
    h[k] = v;
    sum += v;
  }
  for (let k = 0; k < numTaps; k++) h[k] = (h[k] as number) / sum;
  return h;
}

/** Modified Bessel function I0 by its power series; for |x| ≤ 5 it converges to double precision in ~25 terms. */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
