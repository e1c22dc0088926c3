/**
 * The `:predict` fast path (core/features-fast.ts) must only ever say what zod says: whenever it returns instances,
 * zod accepts the same body and returns the same instances (values, -0, key order); on thousands of mutated bodies
 * (wrong types, out-of-range numbers, extra, missing and reordered keys, odd containers) it otherwise steps aside.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createPredictRequestSchema, createPredictRequestValidator } from "../../core/features.ts";
import { createFastPredictCheck } from "../../core/features-fast.ts";
import { FeatureSpec, type FeatureSpecInput } from "../../core/schema/features.ts";
import { seeded } from "../runtime/telemetry/helpers.ts";

const specs = (input: FeatureSpecInput[]) => z.array(FeatureSpec).parse(input);

const titanic = specs([
  { name: "sex", type: "category", values: ["male", "female"] },
  { name: "age", type: "number", nullable: true, range: { min: 0, max: 120 } },
  { name: "passengerClass", type: "category", values: ["1st", "2nd", "3rd"] },
]);
const wide = specs([
  { name: "n", type: "number" },
  { name: "lo", type: "number", range: { min: -1.5 } },
  { name: "count", type: "integer", range: { min: 0, max: 10 }, nullable: true },
  { name: "big", type: "integer" },
  { name: "flag", type: "boolean", nullable: true },
  { name: "text", type: "string" },
  { name: "open", type: "category", values: ["a", "b"], allowUnknown: true },
  { name: "any", type: "category" },
  { name: "phase", type: "category", values: ["Approach", "Depart"], normalize: "case_and_space" },
]);

const WEIRD: unknown[] = [
  -1,
  -0,
  0,
  1.5,
  10,
  11,
  120,
  121,
  1e20,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "x",
  "",
  "male",
  "Male ",
  "a",
  "approach",
  null,
  undefined,
  true,
  false,
  [],
  {},
  [1],
  { a: 1 },
];

type Rec = Record<string, unknown>;

function validInstance(features: readonly FeatureSpec[], rnd: () => number): Rec {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const out: Rec = {};
  for (const f of features) {
    if (f.nullable && rnd() < 0.15) {
      if (rnd() < 0.5) out[f.name] = null;
      continue;
    }
    const { min = -50, max = 50 } = f.range ?? {};
    if (f.type === "number") out[f.name] = Math.max(min, Math.min(max, min + rnd() * 30));
    else if (f.type === "integer") out[f.name] = Math.floor(Math.max(min, Math.min(max, min + rnd() * 10)));
    else if (f.type === "boolean") out[f.name] = rnd() < 0.5;
    else if (f.type === "string") out[f.name] = pick(["", "x", "hello"]);
    else out[f.name] = f.values && f.values.length > 0 ? pick(f.values) : pick(["p", "q"]);
  }
  return out;
}

function validBody(features: readonly FeatureSpec[], rnd: () => number): Rec {
  return { instances: Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => validInstance(features, rnd)) };
}

function mutate(body: Rec, features: readonly FeatureSpec[], rnd: () => number): unknown {
  const r = rnd();
  const list = body["instances"] as Rec[];
  if (r < 0.03) return WEIRD[Math.floor(rnd() * WEIRD.length)];
  if (r < 0.06) return { ...body, parameters: rnd() < 0.5 ? { x: 1 } : "p" };
  if (r < 0.09) return { ...body, extra: 1 };
  if (r < 0.12) return { instances: rnd() < 0.3 ? [] : rnd() < 0.5 ? list[0] : Array.from({ length: 5 }, () => list[0]) };
  if (r < 0.15) return {};
  const i = Math.floor(rnd() * list.length);
  const inst = list[i] as Rec;
  const names = features.map((f) => f.name);
  const name = names[Math.floor(rnd() * names.length)] as string;
  const s = rnd();
  let changed: unknown;
  if (s < 0.15) {
    changed = { ...inst };
    delete (changed as Rec)[name];
  } else if (s < 0.25) changed = { ...inst, [`${name}x`]: 1 };
  else if (s < 0.35) changed = Object.fromEntries(Object.entries(inst).reverse());
  else if (s < 0.4) changed = WEIRD[Math.floor(rnd() * WEIRD.length)];
  else changed = { ...inst, [name]: WEIRD[Math.floor(rnd() * WEIRD.length)] };
  return { instances: list.map((x, j) => (j === i ? changed : x)) };
}

describe.each([
  ["titanic", titanic],
  ["every feature kind", wide],
])("fast :predict validation (%s)", (_name, features) => {
  const maxBatch = 4;
  const schema = createPredictRequestSchema(features, { maxBatch });
  const fast = createFastPredictCheck(features, { maxBatch });
  const validate = createPredictRequestValidator(features, { maxBatch });

  /** The fast path may step aside; when it answers, zod must give the same instances, key order included. */
  const agrees = (body: unknown) => {
    const got = fast(body);
    if (got === undefined) return false;
    const zod = schema.safeParse(body);
    expect(zod.success, JSON.stringify(body)).toBe(true);
    if (zod.success) {
      expect(got).toStrictEqual(zod.data.instances);
      expect(JSON.stringify(got)).toBe(JSON.stringify(zod.data.instances));
      got.forEach((inst, i) => {
        for (const k of Object.keys(inst)) expect(Object.is(inst[k], zod.data.instances[i]?.[k]), k).toBe(true);
      });
    }
    return true;
  };

  it("answers valid bodies itself, as zod does", () => {
    const rnd = seeded(21);
    for (let i = 0; i < 300; i++) {
      const body = JSON.parse(JSON.stringify(validBody(features, rnd))) as unknown;
      expect(agrees(body)).toBe(true);
      expect(validate(body)).toStrictEqual({ ok: true, ...(schema.parse(body) as object) });
    }
  });

  it("never accepts what zod refuses, on 4000 mutated bodies", () => {
    const rnd = seeded(22);
    let answered = 0;
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const body = mutate(validBody(features, rnd), features, rnd);
      if (agrees(body)) answered++;
      if (!schema.safeParse(body).success) refused++;
    }
    expect(answered).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(1500);
  });

  it("leaves out-of-order keys, left-out nullable features and undefined values to the general path, as zod reads them", () => {
    const rnd = seeded(23);
    for (let i = 0; i < 200; i++) {
      const inst = validInstance(features, rnd);
      const reordered = Object.fromEntries(Object.entries(inst).reverse());
      const withUndefined = Object.fromEntries(features.map((f) => [f.name, f.nullable ? undefined : inst[f.name]]));
      for (const body of [{ instances: [reordered] }, { instances: [withUndefined] }]) {
        if (schema.safeParse(body).success) expect(agrees(body)).toBe(true);
        else expect(fast(body)).toBeUndefined();
      }
    }
  });
});
