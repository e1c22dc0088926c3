/**
 * Turn one sampled request into sample rows that always pass the protocol's bounds (a batch the monitor refuses
 * would lose its counters), with redacted features removed and hashed features replaced by a SHA-256 hex.
 *
 * Hashing is asynchronous (crypto.subtle) while `record()` is not: the raw value is never stored in the sample;
 * the hex digest is written into it when ready. A batch sent before that (a beacon on page close) simply lacks
 * the field. `flush()` waits for pending digests first.
 *
 * @example
 * ```ts
 * const policy = createSamplePolicy({ redact: ["email"], hash: ["userId"] });
 * const rows = buildSamples(event, Date.now(), -1, policy, (p) => pending.add(p));
 * ```
 */
import type { Sample } from "../../core/schema/telemetry.ts";
import { ERROR_CLASSES, TELEMETRY_LIMITS as L } from "../../core/schema/telemetry-constants.ts";
import type { TelemetryEvent } from "./types.ts";

export interface SamplePolicy {
  redact: ReadonlySet<string>;
  hash: ReadonlySet<string>;
  hashSalt: string;
  maxPerRequest: number;
}

export function createSamplePolicy(o: {
  redact?: readonly string[] | undefined;
  hash?: readonly string[] | undefined;
  hashSalt?: string | undefined;
  maxPerRequest?: number | undefined;
}): SamplePolicy {
  return { redact: new Set(o.redact ?? []), hash: new Set(o.hash ?? []), hashSalt: o.hashSalt ?? "", maxPerRequest: o.maxPerRequest ?? 16 };
}

/** One sample per instance (up to `maxPerRequest`), or one without features when the request had none. */
export function buildSamples(event: TelemetryEvent, now: number, errorIdx: number, policy: SamplePolicy, track: (p: Promise<void>) => void): Sample[] {
  const base: Sample = {
    ts: Math.max(0, Math.floor(now)),
    requestId: typeof event.requestId === "string" && event.requestId !== "" ? event.requestId.slice(0, L.maxId) : "unknown",
    latencyMs: clampLatency(event.latencyMs),
    status: Number.isInteger(event.status) && event.status >= 100 && event.status <= 599 ? event.status : 500,
  };
  if (errorIdx >= 0) base.error = ERROR_CLASSES[errorIdx]!;
  const slices = copySlices(event.slices);
  if (slices) base.slices = slices;

  const instances = event.features ?? [];
  if (instances.length === 0) {
    const only = { ...base };
    if (event.predictions !== undefined && event.predictions.length > 0) only.prediction = event.predictions[0];
    return [only];
  }
  const n = Math.min(instances.length, policy.maxPerRequest);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const s: Sample = { ...base };
    if (instances.length > 1) s.index = i;
    const instance = instances[i];
    if (instance !== null && typeof instance === "object") s.features = copyFeatures(instance, policy, track);
    const prediction = event.predictions?.[i];
    if (prediction !== undefined) s.prediction = prediction;
    out.push(s);
  }
  return out;
}

export function clampLatency(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : 0;
}

function copyFeatures(instance: Record<string, unknown>, policy: SamplePolicy, track: (p: Promise<void>) => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let keys = 0;
  for (const key of Object.keys(instance)) {
    if (keys >= L.maxFeatureKeys) break;
    if (key.length > L.maxName || policy.redact.has(key)) continue;
    const value = instance[key];
    keys++;
    if (policy.hash.has(key)) {
      if (value !== undefined && value !== null) track(hashInto(out, key, policy.hashSalt + (typeof value === "string" ? value : safeJson(value))));
      continue;
    }
    out[key] = typeof value === "object" && value !== null ? binarySummary(value) : value;
  }
  return out;
}

/** Typed arrays up to this many elements stay in a sample as numbers (small vectors); longer ones are summarized. */
const MAX_SAMPLED_ARRAY = 64;

/**
 * Images and audio never travel in samples (megabytes each, and often personal): the sample keeps their size. Scalars
 * and short vectors pass through; other objects are binary by the feature schema (`{b64}`, bytes, pixels, samples).
 */
function binarySummary(v: object): unknown {
  if (ArrayBuffer.isView(v)) {
    const n = (v as unknown as ArrayLike<unknown>).length;
    return n !== undefined && n <= MAX_SAMPLED_ARRAY && !(v instanceof Uint8Array) ? v : { binary: "bytes", bytes: v.byteLength };
  }
  if (Array.isArray(v)) return v;
  if (v instanceof ArrayBuffer) return { binary: "bytes", bytes: v.byteLength };
  const r = v as Record<string, unknown>;
  if (typeof r["b64"] === "string") return { binary: "base64", bytes: Math.floor((r["b64"].length * 3) / 4) };
  if (typeof r["width"] === "number" && typeof r["height"] === "number") return { binary: "pixels", width: r["width"], height: r["height"] };
  return { binary: "object" };
}

function copySlices(slices: TelemetryEvent["slices"]): Record<string, string> | undefined {
  if (slices === undefined) return undefined;
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(slices)) {
    if (n >= L.maxSlices) break;
    if (k === "" || k.length > L.maxName) continue;
    out[k] = String(v).slice(0, L.maxSliceValue);
    n++;
  }
  return n > 0 ? out : undefined;
}

async function hashInto(target: Record<string, unknown>, key: string, text: string): Promise<void> {
  // Without crypto.subtle (an insecure browser context) the field stays out: never send the raw value.
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (subtle === undefined) return;
  try {
    const digest = new Uint8Array(await subtle.digest("SHA-256", new TextEncoder().encode(text)));
    let hex = "";
    for (const b of digest) hex += b.toString(16).padStart(2, "0");
    target[key] = hex;
  } catch {
    // A failed digest leaves the field out, like a missing crypto.subtle.
  }
}

/** JSON that survives BigInt (int64 outputs) and typed arrays, which JSON.stringify throws on or mangles. */
function safeJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer) ?? "null";
}

export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? Number(x) : x));
  }
  return v;
}
