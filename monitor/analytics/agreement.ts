/**
 * Agreement between champion and challenger on the same inputs: shadowed requests are answered by the champion and
 * run by the challenger on the same body, and both telemetry clients sample the same request ids
 * (runtime/telemetry/sampling.ts), so their sampled rows pair up by (request id, instance index). A pair agrees when
 * both give the same label (classifiers: `label`, or the argmax of `probabilities`) or, for numbers (regression,
 * `value`), when |Δ| ≤ the tolerance.
 *
 * @example
 * ```ts
 * const a = agreementOf(championRows, challengerRows, { tolerance: 0.01 }); // { pairs, agree, rate, interval }
 * ```
 */
import type { VersionSampleRow } from "../store/contract.ts";
import { type Interval, wilson } from "./sequential.ts";

/** Default |Δ| under which two numeric predictions agree (regression), in the prediction's units. */
const DEFAULT_TOLERANCE = 0.01;

export interface Agreement {
  /** Request instances sampled from both versions (both successful). */
  pairs: number;
  agree: number;
  /** agree / pairs, null without pairs; its Wilson 95 % interval. */
  rate: number | null;
  interval: Interval | null;
  /** How predictions were compared: "label" (same class) or "value" (|Δ| ≤ tolerance). */
  by: "label" | "value" | null;
  tolerance: number;
}

type Outcome = { kind: "label"; label: string } | { kind: "value"; value: number };

/** What a prediction says, for comparing two of them: its class, or its number. */
export function outcomeOf(prediction: unknown): Outcome | undefined {
  if (typeof prediction === "string" || typeof prediction === "boolean") return { kind: "label", label: String(prediction) };
  if (typeof prediction === "number") return Number.isFinite(prediction) ? { kind: "value", value: prediction } : undefined;
  if (prediction === null || typeof prediction !== "object" || Array.isArray(prediction)) return undefined;
  const p = prediction as Record<string, unknown>;
  if (p["label"] !== undefined && p["label"] !== null) return { kind: "label", label: String(p["label"]) };
  const probs = p["probabilities"] ?? p["scores"];
  if (Array.isArray(probs) && probs.length > 0 && probs.every((x) => typeof x === "number")) {
    let best = 0;
    for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[best] as number)) best = i;
    return { kind: "label", label: String(best) };
  }
  const v = p["value"] ?? p["score"];
  return typeof v === "number" && Number.isFinite(v) ? { kind: "value", value: v } : undefined;
}

const keyOf = (r: VersionSampleRow) => `${r.requestId}\u0000${r.index}`;

export function agreementOf(champion: readonly VersionSampleRow[], challenger: readonly VersionSampleRow[], opts: { tolerance?: number } = {}): Agreement {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const mine = new Map<string, VersionSampleRow>();
  for (const r of champion) if (r.status < 400) mine.set(keyOf(r), r);
  let pairs = 0;
  let agree = 0;
  let by: Agreement["by"] = null;
  for (const r of challenger) {
    const other = r.status < 400 ? mine.get(keyOf(r)) : undefined;
    if (other === undefined) continue;
    const a = outcomeOf(other.prediction);
    const b = outcomeOf(r.prediction);
    if (a === undefined || b === undefined || a.kind !== b.kind) continue;
    pairs++;
    by = a.kind;
    if (a.kind === "label" ? a.label === (b as { label: string }).label : Math.abs(a.value - (b as { value: number }).value) <= tolerance) agree++;
  }
  return { pairs, agree, rate: pairs > 0 ? agree / pairs : null, interval: wilson(agree, pairs), by, tolerance };
}
