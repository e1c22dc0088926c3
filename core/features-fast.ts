/**
 * A fast path for validating `:predict` bodies of tabular models. zod is the authority (core/features.ts), but it
 * spent ~0.35 µs per instance (22 µs of a 64-row titanic request in Node), more than the model run. This checker is
 * compiled once per feature list and accepts a body only when it is plain JSON the zod schema would accept, returning
 * what zod would return (fresh instances, keys in feature order, absent nullable features as null). Anything else, or
 * anything unusual (`parameters`, a non-plain object, an unknown key), returns undefined and goes through zod, which
 * then decides and names every bad field. test/core/features-fast.test.ts checks that on mutated bodies.
 *
 * @example
 * ```ts
 * const fast = createFastPredictCheck(features, { maxBatch: 256 });
 * const instances = fast(body) ?? slowPathWithZod(body);
 * ```
 */
import { parseDateTime } from "./dates.ts";
import type { FeatureSpec, InstanceValue, Instance } from "./schema/features.ts";

type Rec = Record<string, unknown>;
type Check = (v: unknown) => boolean;

const isPlain = (v: unknown): v is Rec => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

function rangeCheck(f: FeatureSpec, isNumber: (v: unknown) => v is number): Check {
  const min = f.range?.min ?? -Infinity;
  const max = f.range?.max ?? Infinity;
  return (v) => isNumber(v) && v >= min && v <= max;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const safeInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** True for the non-null values zod's schema of `f` accepts unchanged. */
function valueCheck(f: FeatureSpec): Check {
  switch (f.type) {
    case "number":
      return rangeCheck(f, finite);
    case "integer":
      return rangeCheck(f, safeInt);
    case "boolean":
      return (v) => typeof v === "boolean";
    case "string":
      return (v) => typeof v === "string";
    case "category": {
      const values = f.values ?? [];
      if (f.allowUnknown || values.length === 0) return (v) => typeof v === "string";
      const known = new Set(values);
      return (v) => typeof v === "string" && known.has(v);
    }
    case "datetime":
      return (v) => (typeof v === "string" || finite(v)) && parseDateTime(v) !== undefined;
    case "image":
    case "audio":
      // Only the JSON form; bytes or pixels passed in-process go through zod.
      return (v) => isPlain(v) && typeof v["b64"] === "string" && Object.keys(v).length === 1;
  }
}

/**
 * Compile the fast check for one feature list: the instances zod would return for `body`, or undefined when zod must
 * decide (invalid input, or input unusual enough that the fast path does not try).
 */
export function createFastPredictCheck(features: readonly FeatureSpec[], opts: { maxBatch: number }): (body: unknown) => Instance[] | undefined {
  const n = features.length;
  const names = features.map((f) => f.name);
  const checks = features.map(valueCheck);
  const nullable = features.map((f) => f.nullable);
  const index = new Set(names);
  const { maxBatch } = opts;

  /** One instance as zod returns it, or undefined. */
  const instance = (raw: unknown): Instance | undefined => {
    if (!isPlain(raw)) return undefined;
    // The common case: every feature sent, in feature order. Then zod's output is a copy of the object, and a spread
    // copies it through V8's object-literal clone (far cheaper than storing keys one by one into a new object).
    let i = 0;
    for (const key in raw) if (key !== names[i++]) return general(raw);
    if (i !== n) return general(raw);
    for (let j = 0; j < n; j++) {
      const v = raw[names[j] as string];
      if (v === undefined) return general(raw); // zod reads it as absent
      if (v === null ? !nullable[j] : !(checks[j] as Check)(v)) return undefined;
    }
    return { ...raw } as Instance;
  };

  /** Keys in another order, or nullable features left out: build the object in feature order, as zod does. */
  const general = (raw: Rec): Instance | undefined => {
    for (const key in raw) if (!index.has(key)) return undefined;
    const out: Instance = {};
    for (let j = 0; j < n; j++) {
      const name = names[j] as string;
      const v = Object.hasOwn(raw, name) ? raw[name] : undefined;
      if (v === null || v === undefined) {
        if (!nullable[j]) return undefined;
        out[name] = null;
      } else if ((checks[j] as Check)(v)) out[name] = v as InstanceValue;
      else return undefined;
    }
    return out;
  };

  return (body) => {
    if (!isPlain(body)) return undefined;
    for (const key in body) if (key !== "instances") return undefined;
    const list = body["instances"];
    if (!Array.isArray(list) || list.length === 0 || list.length > maxBatch) return undefined;
    const out: Instance[] = [];
    for (const raw of list) {
      const one = instance(raw);
      if (one === undefined) return undefined;
      out.push(one);
    }
    return out;
  };
}
