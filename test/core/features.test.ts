import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createInstanceSchema, createPredictRequestSchema, validatePredictRequest } from "../../core/features.ts";
import { MAX_ISSUES } from "../../core/issues.ts";
import { FeatureSpec, type FeatureSpecInput } from "../../core/schema/features.ts";

const specs = (input: FeatureSpecInput[]) => z.array(FeatureSpec).parse(input);

const titanic = specs([
  { name: "sex", type: "category", values: ["male", "female"] },
  { name: "age", type: "number", nullable: true, range: { min: 0, max: 120 } },
  { name: "passengerClass", type: "category", values: ["1st", "2nd", "3rd"] },
]);
const ok = { sex: "male", age: 22, passengerClass: "3rd" };
const check = (body: unknown, features = titanic, maxBatch = 4) => validatePredictRequest(body, features, { maxBatch });

describe("validatePredictRequest", () => {
  it("accepts a valid batch and normalizes absent nullable features to null", () => {
    const r = check({ instances: [ok, { sex: "female", passengerClass: "1st" }] });
    expect(r).toEqual({ ok: true, instances: [ok, { sex: "female", age: null, passengerClass: "1st" }] });
  });

  it("keeps parameters when sent", () => {
    expect(check({ instances: [ok], parameters: { explain: true } })).toEqual({ ok: true, instances: [ok], parameters: { explain: true } });
  });

  it("names each bad field with its path and a message saying what came", () => {
    const r = check({ instances: [ok, ok, ok, { sex: "male", age: "12", passengerClass: "crew", agee: 3 }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "expected a number, got string "12"",
          "path": "instances[3].age",
        },
        {
          "message": ""crew" is not one of 1st, 2nd, 3rd",
          "path": "instances[3].passengerClass",
        },
        {
          "message": "unknown field "agee" (expected one of sex, age, passengerClass)",
          "path": "instances[3].agee",
        },
      ]
    `);
  });

  it("says required for a missing non-nullable key, and explains a null one", () => {
    const r = check({ instances: [{ age: 3, passengerClass: null }] });
    expect(r).toMatchInlineSnapshot(`
      {
        "issues": [
          {
            "message": "required",
            "path": "instances[0].sex",
          },
          {
            "message": "expected one of 1st, 2nd, 3rd, got null (this feature is not nullable)",
            "path": "instances[0].passengerClass",
          },
        ],
        "ok": false,
      }
    `);
  });

  it("rejects NaN and infinities with a finite-number message", () => {
    for (const age of [Number.NaN, Infinity, -Infinity]) {
      const r = check({ instances: [{ ...ok, age }] });
      expect(r).toEqual({ ok: false, issues: [{ path: "instances[0].age", message: `expected a finite number, got ${age}` }] });
    }
  });

  it("checks ranges inclusively", () => {
    expect(
      check({
        instances: [
          { ...ok, age: 0 },
          { ...ok, age: 120 },
        ],
      }).ok,
    ).toBe(true);
    expect(
      check({
        instances: [
          { ...ok, age: 120.5 },
          { ...ok, age: -0.1 },
        ],
      }),
    ).toMatchInlineSnapshot(`
      {
        "issues": [
          {
            "message": "must be between 0 and 120 (inclusive), got number 120.5",
            "path": "instances[0].age",
          },
          {
            "message": "must be between 0 and 120 (inclusive), got number -0.1",
            "path": "instances[1].age",
          },
        ],
        "ok": false,
      }
    `);
  });

  it("words one-sided ranges", () => {
    const f = specs([
      { name: "lo", type: "number", range: { min: 1 } },
      { name: "hi", type: "integer", range: { max: 5 } },
    ]);
    const r = check({ instances: [{ lo: 0, hi: 6 }] }, f);
    expect(r).toEqual({
      ok: false,
      issues: [
        { path: "instances[0].lo", message: "must be at least 1, got number 0" },
        { path: "instances[0].hi", message: "must be at most 5, got number 6" },
      ],
    });
  });

  it("checks integers, booleans and strings", () => {
    const f = specs([
      { name: "n", type: "integer" },
      { name: "b", type: "boolean" },
      { name: "s", type: "string" },
    ]);
    expect(check({ instances: [{ n: 3, b: false, s: "x" }] }, f).ok).toBe(true);
    expect(
      check(
        {
          instances: [
            { n: 1.5, b: "yes", s: 4 },
            { n: "3", b: 1, s: null },
          ],
        },
        f,
      ),
    ).toMatchInlineSnapshot(`
      {
        "issues": [
          {
            "message": "expected a whole number, got 1.5",
            "path": "instances[0].n",
          },
          {
            "message": "expected true or false, got string "yes"",
            "path": "instances[0].b",
          },
          {
            "message": "expected a string, got number 4",
            "path": "instances[0].s",
          },
          {
            "message": "expected an integer, got string "3"",
            "path": "instances[1].n",
          },
          {
            "message": "expected true or false, got number 1",
            "path": "instances[1].b",
          },
          {
            "message": "expected a string, got null (this feature is not nullable)",
            "path": "instances[1].s",
          },
        ],
        "ok": false,
      }
    `);
  });

  it("suggests the right case for a near-miss category", () => {
    const r = check({ instances: [{ ...ok, sex: "Male" }] });
    expect(r).toEqual({ ok: false, issues: [{ path: "instances[0].sex", message: `"Male" is not one of male, female (did you mean "male"?)` }] });
  });

  it("lets allowUnknown categories through, and categories without values take any string", () => {
    const f = specs([
      { name: "island", type: "category", values: ["Biscoe"], allowUnknown: true },
      { name: "tag", type: "category" },
    ]);
    expect(check({ instances: [{ island: "Atlantis", tag: "z" }] }, f)).toEqual({ ok: true, instances: [{ island: "Atlantis", tag: "z" }] });
  });

  it("accepts explicit null for a nullable feature", () => {
    expect(check({ instances: [{ ...ok, age: null }] })).toEqual({ ok: true, instances: [{ ...ok, age: null }] });
  });

  it("rejects an empty batch, an oversized batch and a non-array", () => {
    expect(check({ instances: [] })).toEqual({ ok: false, issues: [{ path: "instances", message: "send at least one instance" }] });
    expect(check({ instances: [ok, ok, ok, ok, ok] })).toEqual({
      ok: false,
      issues: [{ path: "instances", message: "at most 4 instances per request, got 5 (split the batch)" }],
    });
    expect(check({ instances: ok })).toEqual({ ok: false, issues: [{ path: "instances", message: "expected an array of instances, got an object" }] });
    expect(check({})).toEqual({ ok: false, issues: [{ path: "instances", message: "required" }] });
  });

  it("rejects a body that is not an object, non-object instances and unknown top-level keys", () => {
    expect(check([ok])).toEqual({ ok: false, issues: [{ path: "(root)", message: 'expected a JSON object {"instances": [...]}, got an array' }] });
    expect(check({ instances: [5], instance: [] })).toMatchInlineSnapshot(`
      {
        "issues": [
          {
            "message": "expected an object with fields sex, age, passengerClass, got number 5",
            "path": "instances[0]",
          },
          {
            "message": "unknown field "instance" (expected one of instances, parameters)",
            "path": "instance",
          },
        ],
        "ok": false,
      }
    `);
    expect(check({ instances: [ok], parameters: [] })).toEqual({ ok: false, issues: [{ path: "parameters", message: "expected an object, got an array" }] });
  });

  it("caps the number of issues", () => {
    const many = specs(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, type: "number" as const })));
    const r = check({ instances: [{}, {}, {}, {}] }, many);
    if (r.ok) throw new Error("expected issues");
    expect(r.issues).toHaveLength(MAX_ISSUES + 1);
    expect(r.issues.at(-1)).toEqual({ path: "(root)", message: "… and 20 more issues after the first 100; fix these and send again" });
  });
});

describe("createInstanceSchema", () => {
  it("reports several unknown keys in one message when used directly", () => {
    const r = createInstanceSchema(titanic).safeParse({ ...ok, a: 1, b: 2 });
    expect(r.error?.issues.map((i) => i.message)).toEqual(['unknown fields "a", "b" (expected one of sex, age, passengerClass)']);
  });
});

describe("createPredictRequestSchema", () => {
  it("converts to a JSON schema for the OpenAPI document", () => {
    const json = z.toJSONSchema(createPredictRequestSchema(titanic, { maxBatch: 8 }), { io: "input", unrepresentable: "any" });
    expect(json).toMatchObject({
      type: "object",
      required: ["instances"],
      additionalProperties: false,
      properties: {
        instances: {
          type: "array",
          minItems: 1,
          maxItems: 8,
          items: {
            required: ["sex", "passengerClass"],
            additionalProperties: false,
            properties: { sex: { enum: ["male", "female"] }, age: { default: null } },
          },
        },
      },
    });
  });
});
