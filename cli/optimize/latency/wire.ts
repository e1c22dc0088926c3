/**
 * How a latency measurement travels to the runtime that runs it (a POST body into workerd, stdin of a deno process,
 * a file the Chromium page fetches) and back. Portable: no Node APIs, so the in-runtime harness bundles it too.
 *
 * Request: `[u32 LE header length][header JSON][model 0 bytes][model 1 bytes]...`; the header lists the models'
 * sizes, the feeds (tensor bytes as base64, so every dtype including int64 survives exactly) and the time to spend.
 * Replies: lines `@@edge-ml-latency {json}`, a progress event per round then one result or error; the marker lets
 * the host ignore whatever else the runtime prints (ORT warnings, say).
 */

export type WireDtype = "float32" | "int64" | "int32" | "uint8" | "float64" | "bool" | "int8";

/** One input tensor, its data as the base64 of its little-endian typed array bytes. */
export interface WireFeed {
  dtype: WireDtype;
  dims: number[];
  base64: string;
}

export interface HarnessHeader {
  ids: string[];
  sizes: number[];
  feeds: Record<string, WireFeed>[];
  /** Wall time left of the caller's budget when the request was made: ORT's start and loading come out of it. */
  measureMs: number;
  /** Least time for warm-up and blocks, however long ORT took to start (the budget is a target). */
  minMeasureMs: number;
  /** Also return every model's outputs on the first feed set (to check the numbers in that runtime). */
  captureOutputs?: boolean;
  /** Per model: create its session with weight dequantization folded (core/session-hints.ts), as the edge does. */
  fold?: boolean[];
}

export interface HarnessInput {
  ids: string[];
  models: Uint8Array[];
  feeds: Record<string, WireFeed>[];
  measureMs: number;
  minMeasureMs: number;
  captureOutputs?: boolean;
  fold?: boolean[];
}

/** A model output as the runtime gave it (numbers; int64 through Number). */
export interface WireOutput {
  dtype: string;
  dims: number[];
  data: number[];
}

/** What the harness measured; the host turns it into a LatencyReport (see report.ts). */
export interface HarnessResult {
  /** onnxruntime-web's version as the runtime reports it (`ort.env.versions.web`). */
  ortVersion: string;
  /** Smallest step of performance.now() observed in the runtime (ms). */
  clockResolutionMs: number;
  /** Starting ORT's wasm runtime, with the first session (not counted in any model's loadMs). */
  initMs: number;
  /** InferenceSession.create per model, in a started runtime. */
  loadMs: number[];
  warmupRuns: number[];
  /** Runs per block in the last round (blocks are lengthened when runs turn out faster than estimated). */
  runsPerBlock: number[];
  /** Each block ran as this many slices, alternating with the other models' slices (harness.ts). */
  slicesPerBlock: number;
  /**
   * One entry per round: the order the models ran in; per model (by index) its block's runs, mean time per run, and
   * typical time per run, without slices hit by a preemption (ms; harness.ts typicalPerRun).
   */
  rounds: { order: number[]; runs: number[]; meanMs: number[]; typicalMs: number[] }[];
  /** The runtime's own version when only the runtime can tell (Deno.version.deno). */
  runtimeVersion?: string;
  /** With `captureOutputs`: per model (by index), its outputs on the first feed set. */
  outputs?: Record<string, WireOutput>[];
}

export type HarnessEvent =
  | { type: "progress"; done: number; total: number }
  | { type: "result"; result: HarnessResult }
  | { type: "error"; message: string; stack?: string; code?: "ERR_BAD_INPUT" | "ERR_BAD_MODEL_FILE" };

const LINE_MARKER = "@@edge-ml-latency ";

export function encodeRequest(input: HarnessInput): Uint8Array {
  const header: HarnessHeader = {
    ids: input.ids,
    sizes: input.models.map((m) => m.byteLength),
    feeds: input.feeds,
    measureMs: input.measureMs,
    minMeasureMs: input.minMeasureMs,
    ...(input.captureOutputs ? { captureOutputs: true } : {}),
    ...(input.fold ? { fold: input.fold } : {}),
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const total = 4 + head.byteLength + input.models.reduce((s, m) => s + m.byteLength, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  let at = 4 + head.byteLength;
  for (const m of input.models) {
    out.set(m, at);
    at += m.byteLength;
  }
  return out;
}

export function decodeRequest(bytes: Uint8Array): HarnessInput {
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headLength))) as HarnessHeader;
  let at = 4 + headLength;
  const models = header.sizes.map((size) => {
    const m = bytes.subarray(at, at + size);
    at += size;
    return m;
  });
  return {
    ids: header.ids,
    models,
    feeds: header.feeds,
    measureMs: header.measureMs,
    minMeasureMs: header.minMeasureMs,
    ...(header.captureOutputs ? { captureOutputs: true } : {}),
    ...(header.fold ? { fold: header.fold } : {}),
  };
}

/** The error event for anything the harness threw (a HarnessUserError's code is kept). */
export function errorEvent(e: unknown): HarnessEvent {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return {
    type: "error",
    message: err.message,
    ...(err.stack ? { stack: err.stack } : {}),
    ...(code === "ERR_BAD_INPUT" || code === "ERR_BAD_MODEL_FILE" ? { code } : {}),
  };
}

export function encodeEvent(event: HarnessEvent): string {
  return `${LINE_MARKER}${JSON.stringify(event)}\n`;
}

/** The events in `text` (complete lines only), skipping lines without the marker. */
function parseEvents(text: string): HarnessEvent[] {
  const events: HarnessEvent[] = [];
  for (const line of text.split("\n")) {
    const at = line.indexOf(LINE_MARKER);
    if (at >= 0) events.push(JSON.parse(line.slice(at + LINE_MARKER.length)) as HarnessEvent);
  }
  return events;
}

/** Splits a stream of text chunks into complete lines and hands each event on. */
export function eventReader(onEvent: (e: HarnessEvent) => void): { push(chunk: string): void; end(): void } {
  let buffered = "";
  return {
    push(chunk) {
      buffered += chunk;
      const cut = buffered.lastIndexOf("\n");
      if (cut < 0) return;
      for (const e of parseEvents(buffered.slice(0, cut))) onEvent(e);
      buffered = buffered.slice(cut + 1);
    },
    end() {
      for (const e of parseEvents(buffered)) onEvent(e);
      buffered = "";
    },
  };
}

export function base64FromBytes(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function bytesFromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
