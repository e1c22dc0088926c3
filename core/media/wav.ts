/**
 * A WAV (RIFF/WAVE) decoder for audio features: PCM 8-bit unsigned, 16/24/32-bit signed, IEEE float 32/64-bit, plain
 * or WAVE_FORMAT_EXTENSIBLE, any number of channels. Unknown chunks (LIST, fact, cue, ...) are skipped.
 *
 * Samples come out as float32 in [-1, 1), scaled as soundfile and `scipy.io.wavfile` + a division by the integer
 * range do: a signed n-bit value v becomes v / 2^(n-1) (int16 / 32768), 8-bit unsigned becomes (v - 128) / 128, floats
 * are kept as they are (float64 rounded to float32).
 *
 * @example
 * ```ts
 * const { sampleRate, channels } = decodeWav(new Uint8Array(await request.arrayBuffer()));
 * channels[0]; // Float32Array of the left (or only) channel
 * ```
 */
import { MediaError } from "./errors.ts";

export interface DecodedAudio {
  sampleRate: number;
  /** One Float32Array per channel, all the same length (the number of frames). */
  channels: Float32Array[];
}

export interface DecodeWavOptions {
  /** Refuse files declaring more samples (frames × channels) than this; checked before allocating. Default 16M. */
  maxSamples?: number;
}

/** 16M samples = 64 MB of float32: ~6 min of 44.1 kHz stereo, well past what a request to a model should carry. */
const DEFAULT_MAX_SAMPLES = 16 * 1024 * 1024;
/** Outside this range the header is corrupt or hostile (and resampling from it would design a huge filter). */
const MIN_SAMPLE_RATE = 1000;
const MAX_SAMPLE_RATE = 768_000;

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;
/** The 14 bytes after the format code in the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** Streaming writers (ffmpeg to a pipe, sox) that cannot seek back leave this size in the data chunk. */
const UNKNOWN_SIZE = 0xffffffff;
const DAMAGED = "the header is damaged; re-export the file";

interface Format {
  code: number;
  channels: number;
  sampleRate: number;
  bits: number;
  blockAlign: number;
}

/** Decodes WAV bytes; throws MediaError (what is wrong, and a hint) for anything it cannot read faithfully. */
export function decodeWav(bytes: Uint8Array, options: DecodeWavOptions = {}): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || tag(bytes, 0) !== "RIFF" || tag(bytes, 8) !== "WAVE") {
    throw new MediaError(
      `not a WAV file: starts with ${describeStart(bytes)}`,
      "send RIFF/WAVE bytes (PCM or float); convert other formats first, e.g. `ffmpeg -i in.mp3 out.wav`",
    );
  }
  let format: Format | undefined;
  let dataStart = -1;
  let dataSize = 0;
  let off = 12;
  while (off + 8 <= bytes.length && (format === undefined || dataStart < 0)) {
    const id = tag(bytes, off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (body + size > bytes.length) throw truncated("fmt", size, bytes.length - body);
      format = readFormat(view, body, size);
    } else if (id === "data") {
      dataStart = body;
      dataSize = size === UNKNOWN_SIZE ? bytes.length - body : size;
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
    off = body + size + (size & 1);
  }
  if (format === undefined) throw new MediaError("WAV has no fmt chunk", "the file is damaged or not a standard WAV; re-export it");
  if (dataStart < 0) throw new MediaError("WAV has no data chunk", "the file is damaged or holds no audio; re-export it");

  const { channels, blockAlign } = format;
  const frames = Math.floor(dataSize / blockAlign);
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  if (frames * channels > maxSamples) {
    throw new MediaError(
      `WAV declares ${frames} frames × ${channels} channels = ${frames * channels} samples, over the limit of ${maxSamples}`,
      "send a shorter clip",
    );
  }
  if (dataStart + dataSize > bytes.length) throw truncated("data", dataSize, bytes.length - dataStart);
  return { sampleRate: format.sampleRate, channels: readSamples(view, dataStart, frames, format) };
}

function readFormat(view: DataView, at: number, size: number): Format {
  if (size < 16) throw new MediaError(`WAV fmt chunk is ${size} bytes, needs at least 16`, DAMAGED);
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (code === EXTENSIBLE) {
    if (size < 40) throw new MediaError(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, needs 40`, DAMAGED);
    code = view.getUint16(at + 24, true);
    const known = GUID_TAIL.every((b, i) => view.getUint8(at + 26 + i) === b);
    if (!known || (code !== PCM && code !== IEEE_FLOAT)) throw unsupported(`extensible subformat GUID ${hex(view, at + 24, 16)}`);
  }
  if (channels === 0) throw new MediaError("WAV declares 0 channels", DAMAGED);
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new MediaError(
      `WAV sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}..${MAX_SAMPLE_RATE} Hz`,
      "the header is damaged, or resample the file to a standard rate (16000, 44100, 48000)",
    );
  }
  if (!isSupported(code, bits)) {
    const name = code === PCM ? "PCM" : code === IEEE_FLOAT ? "IEEE float" : `format code 0x${code.toString(16)}`;
    throw unsupported(`${name} ${bits}-bit`);
  }
  if (blockAlign !== channels * (bits / 8)) {
    throw new MediaError(`WAV block size ${blockAlign} does not match ${channels} channels × ${bits} bits`, DAMAGED);
  }
  return { code, channels, sampleRate, bits, blockAlign };
}

function isSupported(code: number, bits: number): boolean {
  if (code === PCM) return bits === 8 || bits === 16 || bits === 24 || bits === 32;
  return code === IEEE_FLOAT && (bits === 32 || bits === 64);
}

/** One pass over the interleaved frames per channel: a typed inner loop with no allocation per sample. */
function readSamples(view: DataView, start: number, frames: number, f: Format): Float32Array[] {
  const out: Float32Array[] = [];
  const bytesPer = f.bits / 8;
  const step = f.blockAlign;
  for (let c = 0; c < f.channels; c++) {
    const ch = new Float32Array(frames);
    let p = start + c * bytesPer;
    if (f.code === IEEE_FLOAT) {
      if (f.bits === 32) for (let i = 0; i < frames; i++, p += step) ch[i] = view.getFloat32(p, true);
      else for (let i = 0; i < frames; i++, p += step) ch[i] = view.getFloat64(p, true);
    } else if (f.bits === 8) {
      for (let i = 0; i < frames; i++, p += step) ch[i] = (view.getUint8(p) - 128) / 128;
    } else if (f.bits === 16) {
      for (let i = 0; i < frames; i++, p += step) ch[i] = view.getInt16(p, true) / 32768;
    } else if (f.bits === 24) {
      // The high byte is read signed, so the sign extends without shifting.
      for (let i = 0; i < frames; i++, p += step) ch[i] = (view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) / 8388608;
    } else {
      for (let i = 0; i < frames; i++, p += step) ch[i] = view.getInt32(p, true) / 2147483648;
    }
    out.push(ch);
  }
  return out;
}

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

/** The first bytes as text when printable ("RF64", "OggS", "ID3"), else hex, so the user can recognise the format. */
function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return "nothing (0 bytes)";
  const head = bytes.subarray(0, Math.min(4, bytes.length));
  if (head.every((b) => b >= 0x20 && b < 0x7f)) return JSON.stringify(String.fromCharCode(...head));
  return `bytes ${Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ")}`;
}

function truncated(chunk: string, declared: number, present: number): MediaError {
  return new MediaError(
    `truncated WAV: the ${chunk} chunk declares ${declared} bytes but only ${present} are present (${declared - present} missing)`,
    "the upload was cut short; send the whole file",
  );
}

function unsupported(what: string): MediaError {
  return new MediaError(`unsupported WAV encoding: ${what}`, "use PCM 8/16/24/32-bit or IEEE float 32/64-bit, e.g. `ffmpeg -i in.wav -c:a pcm_s16le out.wav`");
}

function hex(view: DataView, at: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++)
    s += view
      .getUint8(at + i)
      .toString(16)
      .padStart(2, "0");
  return s;
}
