/**
 * core/media's audio path against scipy (test/fixtures/audio/make_fixtures.py → reference.json and the WAVs beside it):
 * decoding every supported encoding as scipy.io.wavfile reads it, resample_poly at 44.1/8/22.05/48 kHz → 16 kHz, the
 * whole audio step on a stereo 44.1 kHz file; then round trips through a test WAV writer, pad/trim/scale, mixdown, and
 * every malformed file the decoder refuses, with its message.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mixDown, prepareAudio } from "../../../core/media/audio-tensor.ts";
import { MediaError } from "../../../core/media/errors.ts";
import { resample, resamplePoly } from "../../../core/media/resample.ts";
import { decodeWav } from "../../../core/media/wav.ts";
import { AudioStep } from "../../../core/schema/preprocessing.ts";
import { type WavEncoding, ascii, chunk, riff, writeWav } from "../../fixtures/audio/wav-writer.ts";
import { FIXTURES } from "../../helpers/tmp.ts";

const DIR = join(FIXTURES, "audio");
interface Reference {
  decode: Record<string, { sampleRate: number; channels: number[][] }>;
  resample: Record<string, { from: number; to: number; output: number[] }>;
  prepare: { file: string; step: unknown; output: number[] };
}
const reference = JSON.parse(readFileSync(join(DIR, "reference.json"), "utf8")) as Reference;
const wav = (sub: string, name: string) => new Uint8Array(readFileSync(join(DIR, sub, name)));

function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs((actual[i] as number) - (expected[i] as number)));
  return max;
}

/** The MediaError `f` throws, as "message | hint: hint" (a user error: ERR_BAD_INPUT, answered as a 400). */
function mediaError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MediaError);
    const err = e as MediaError;
    expect(err.code).toBe("ERR_BAD_INPUT");
    expect(err.hint).toMatch(/\w/);
    return `${err.message} | hint: ${err.hint}`;
  }
  throw new Error("expected a MediaError, nothing was thrown");
}

const step = (s: Record<string, unknown>) => AudioStep.parse({ op: "audio", feature: "audio", input: "audio", ...s });

describe("decodeWav against scipy.io.wavfile", () => {
  const names = Object.keys(reference.decode);
  it("covers every encoding", () => expect(names.length).toBe(10));
  it.each(names)("%s", (name) => {
    const ref = reference.decode[name]!;
    const got = decodeWav(wav("decode", name));
    expect(got.sampleRate).toBe(ref.sampleRate);
    expect(got.channels.length).toBe(ref.channels.length);
    // Both sides divide the same integers by the same power of two: bit-exact.
    got.channels.forEach((ch, c) => expect(maxAbsError(ch, ref.channels[c]!)).toBe(0));
  });
});

describe("resamplePoly against scipy.signal.resample_poly", () => {
  it.each(Object.keys(reference.resample))("%s → 16 kHz", (name) => {
    const ref = reference.resample[name]!;
    const { sampleRate, channels } = decodeWav(wav("resample", name));
    expect(sampleRate).toBe(ref.from);
    const err = maxAbsError(resample(channels[0]!, ref.from, ref.to), ref.output);
    expect(err).toBeLessThanOrEqual(1e-6);
  });

  it("keeps a constant signal's level away from the edges (unit DC gain × up)", () => {
    const y = resamplePoly(new Float32Array(300).fill(0.5), 3, 2);
    expect(y.length).toBe(450);
    // Each polyphase branch sums to ~1 but not exactly: scipy's own output deviates by 3.03e-4 here too.
    expect(maxAbsError(y.subarray(100, 350), new Float32Array(250).fill(0.5))).toBeCloseTo(3.03e-4, 6);
  });

  it("reduces by the gcd, returns the input for equal rates and a copy for up = down", () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i / 7));
    expect(resample(x, 16000, 16000)).toBe(x);
    const same = resamplePoly(x, 4, 4);
    expect(same).not.toBe(x);
    expect(same).toEqual(x);
    expect(resamplePoly(x, 320, 882)).toEqual(resample(x, 44100, 16000));
    expect(resample(x, 8000, 16000).length).toBe(200);
    expect(resample(x, 48000, 16000).length).toBe(34);
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
  });

  it("refuses bad factors and filters too long for an edge isolate", () => {
    expect(mediaError(() => resamplePoly(new Float32Array(4), 0, 1))).toMatch(/positive integers, got up=0 down=1/);
    expect(mediaError(() => resamplePoly(new Float32Array(4), 1.5, 1))).toMatch(/positive integers/);
    expect(mediaError(() => resample(new Float32Array(4), 767_999, 16000))).toMatch(
      /needs a 15359981-tap filter, over the limit.* \| hint: send audio at a standard rate/,
    );
  });
});

describe("prepareAudio", () => {
  it("runs the audio step as scipy does: mean of channels, resample_poly, pad", () => {
    const got = prepareAudio(wav("decode", reference.prepare.file), step(reference.prepare.step as Record<string, unknown>));
    expect(maxAbsError(got, reference.prepare.output)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(got.subarray(160))).toEqual(new Array(40).fill(0));
  });

  it("turns the keyword-spotting example's WAVs into the inputs scipy produced (examples/keyword-spotting/expected.json)", () => {
    const dir = join(FIXTURES, "..", "..", "examples", "keyword-spotting");
    const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as { samples: { file: string; inputEvery100: number[] }[] };
    const kws = step({ sampleRate: 16000, length: 16000 });
    expect(expected.samples.map((s) => s.file)).toEqual(["samples/silence.wav", "samples/sweep_up.wav", "samples/sweep_down.wav", "samples/noise.wav"]);
    for (const sample of expected.samples) {
      const x = prepareAudio(new Uint8Array(readFileSync(join(dir, sample.file))), kws);
      const every100 = Float32Array.from({ length: 160 }, (_, i) => x[i * 100] as number);
      expect(maxAbsError(every100, sample.inputEvery100)).toBeLessThanOrEqual(1e-6);
    }
  });

  it("trims the end, scales, and leaves a caller's Float32Array untouched", () => {
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    expect(Array.from(prepareAudio(x, step({ sampleRate: 8000, length: 3, scale: 2 })))).toEqual([2, 4, 6]);
    expect(Array.from(prepareAudio(x, step({ sampleRate: 8000, scale: 0.5 })))).toEqual([0.5, 1, 1.5, 2, 2.5]);
    expect(Array.from(prepareAudio(x, step({ sampleRate: 8000, length: 7 })))).toEqual([1, 2, 3, 4, 5, 0, 0]);
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 5]);
    expect(prepareAudio(x, step({ sampleRate: 8000, length: 5 }))).toBe(x);
  });

  it("does not resample WAVs already at the step's rate", () => {
    const samples = [0.25, -0.5, 0.125];
    const got = prepareAudio(writeWav({ sampleRate: 16000, channels: [samples], encoding: "pcm16" }), step({ sampleRate: 16000 }));
    expect(Array.from(got)).toEqual(samples);
  });

  it("refuses empty audio unless a length pads it", () => {
    const empty = writeWav({ sampleRate: 16000, channels: [[]], encoding: "pcm16" });
    expect(mediaError(() => prepareAudio(empty, step({ sampleRate: 16000 })))).toMatch(/^audio has no samples \| hint: .*set `length`/);
    expect(Array.from(prepareAudio(empty, step({ sampleRate: 16000, length: 2 })))).toEqual([0, 0]);
  });
});

describe("mixDown", () => {
  it("averages the channels and passes one channel through", () => {
    const a = Float32Array.from([1, 0.5, -1]);
    expect(Array.from(mixDown([a, Float32Array.from([0, 0.5, 0]), Float32Array.from([0.5, -0.25, -0.5])]))).toEqual([0.5, 0.25, -0.5]);
    expect(mixDown([a])).toBe(a);
    expect(mediaError(() => mixDown([]))).toMatch(/no channels/);
  });
});

describe("WAV round trip through the test writer", () => {
  const encodings: [WavEncoding, number][] = [
    ["pcm8", 1 / 256],
    ["pcm16", 1 / 65536],
    ["pcm24", 2 ** -24],
    ["pcm32", 2 ** -31],
    ["float32", 0],
    ["float64", 0],
  ];
  const left = Float32Array.from({ length: 50 }, (_, i) => 0.9 * Math.sin(i / 3));
  const right = Float32Array.from({ length: 50 }, (_, i) => -0.7 * Math.cos(i / 5));
  it.each(encodings)("%s within half a quantization step", (encoding, tolerance) => {
    for (const extensible of [false, true]) {
      const got = decodeWav(writeWav({ sampleRate: 22050, channels: [left, right], encoding, extensible }));
      expect(got.sampleRate).toBe(22050);
      expect(maxAbsError(got.channels[0]!, left)).toBeLessThanOrEqual(tolerance);
      expect(maxAbsError(got.channels[1]!, right)).toBeLessThanOrEqual(tolerance);
    }
  });

  it("maps the extreme codes to -1 and 1 - 2^-(n-1)", () => {
    const got = decodeWav(writeWav({ sampleRate: 8000, channels: [[-1, 1]], encoding: "pcm16" })).channels[0]!;
    expect(Array.from(got)).toEqual([-1, 32767 / 32768]);
    const u8 = decodeWav(writeWav({ sampleRate: 8000, channels: [[-1, 1, 0]], encoding: "pcm8" })).channels[0]!;
    expect(Array.from(u8)).toEqual([-1, 127 / 128, 0]);
  });

  it("reads data of unknown size (0xFFFFFFFF, from streaming writers) to the end", () => {
    const bytes = writeWav({ sampleRate: 16000, channels: [[0.5, -0.5]], encoding: "pcm16", header: { dataSize: 0xffffffff } });
    expect(Array.from(decodeWav(bytes).channels[0]!)).toEqual([0.5, -0.5]);
  });

  it("reads a view into a larger buffer at an odd offset", () => {
    const bytes = writeWav({ sampleRate: 16000, channels: [[0.25]], encoding: "pcm16" });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 1);
    expect(Array.from(decodeWav(padded.subarray(1, 1 + bytes.length)).channels[0]!)).toEqual([0.25]);
  });
});

describe("decodeWav refuses malformed files with a MediaError that says what and how to fix it", () => {
  const ok = (header: NonNullable<Parameters<typeof writeWav>[0]["header"]>, encoding: WavEncoding = "pcm16") =>
    writeWav({ sampleRate: 16000, channels: [[0.1, 0.2, 0.3, 0.4]], encoding, header });
  const fmt16 = writeWav({ sampleRate: 16000, channels: [[0]], encoding: "pcm16" }).subarray(12, 36);

  it("not RIFF/WAVE", () => {
    expect(mediaError(() => decodeWav(ascii("OggS\0\0\0\0\0\0\0\0")))).toMatch(/^not a WAV file: starts with "OggS" \| hint: .*ffmpeg/);
    expect(mediaError(() => decodeWav(Uint8Array.from([0xff, 0xfb, 0x90, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])))).toMatch(/starts with bytes ff fb 90 00/);
    expect(mediaError(() => decodeWav(new Uint8Array(0)))).toMatch(/starts with nothing \(0 bytes\)/);
    expect(mediaError(() => decodeWav(ascii("RIFF\0\0\0\0AVI LIST")))).toMatch(/not a WAV file/);
  });

  it("missing fmt or data chunk", () => {
    expect(mediaError(() => decodeWav(riff([chunk("data", new Uint8Array(4))])))).toMatch(/WAV has no fmt chunk/);
    expect(mediaError(() => decodeWav(riff([fmt16, chunk("LIST", new Uint8Array(3))])))).toMatch(/WAV has no data chunk/);
  });

  it("unsupported encodings", () => {
    expect(mediaError(() => decodeWav(ok({ formatCode: 0x55 })))).toMatch(/unsupported WAV encoding: format code 0x55 16-bit \| hint: use PCM/);
    expect(mediaError(() => decodeWav(ok({ bits: 12, blockAlign: 2 })))).toMatch(/unsupported WAV encoding: PCM 12-bit/);
    expect(mediaError(() => decodeWav(ok({ bits: 16, formatCode: 3 })))).toMatch(/IEEE float 16-bit/);
    const ext = writeWav({ sampleRate: 16000, channels: [[0]], encoding: "pcm16", extensible: true });
    ext[12 + 8 + 26 + 4] = 0x11; // corrupt the GUID's tail
    expect(mediaError(() => decodeWav(ext))).toMatch(/extensible subformat GUID 0100000000001100/);
  });

  it("truncated data says how many bytes are missing", () => {
    const full = ok({});
    expect(mediaError(() => decodeWav(full.subarray(0, full.length - 3)))).toMatch(
      /^truncated WAV: the data chunk declares 8 bytes but only 5 are present \(3 missing\) \| hint: .*send the whole file/,
    );
    expect(mediaError(() => decodeWav(full.subarray(0, 30)))).toMatch(/the fmt chunk declares 16 bytes but only 10 are present \(6 missing\)/);
  });

  it("0 channels, absurd sample rates, inconsistent block size", () => {
    expect(mediaError(() => decodeWav(ok({ channels: 0, blockAlign: 0 })))).toMatch(/WAV declares 0 channels/);
    expect(mediaError(() => decodeWav(ok({ sampleRate: 0 })))).toMatch(/sample rate 0 Hz is outside 1000\.\.768000 Hz/);
    expect(mediaError(() => decodeWav(ok({ sampleRate: 4_000_000_000 })))).toMatch(/sample rate 4000000000 Hz/);
    expect(mediaError(() => decodeWav(ok({ blockAlign: 3 })))).toMatch(/block size 3 does not match 1 channels × 16 bits/);
  });

  it("size bombs are refused from the header, before allocating", () => {
    // 2^32 - 2 bytes declared in a 44-byte file: the limit fires before the truncation check or any allocation.
    expect(mediaError(() => decodeWav(ok({ dataSize: 0xfffffffe })))).toMatch(
      /WAV declares 2147483647 frames × 1 channels = 2147483647 samples, over the limit of 16777216 \| hint: send a shorter clip/,
    );
    expect(mediaError(() => decodeWav(ok({}), { maxSamples: 3 }))).toMatch(/4 samples, over the limit of 3/);
    expect(decodeWav(ok({}), { maxSamples: 4 }).channels[0]!.length).toBe(4);
  });
});
