/**
 * The OpenAPI 3.1 document of a deployment, generated from the same zod schemas that validate requests
 * (`z.toJSONSchema`), so the docs cannot drift from what the edge accepts.
 */
import * as z from "zod";
import { createPredictRequestSchema } from "../core/features.ts";
import type { Manifest } from "../core/schema/manifest.ts";
import type { LookupPlan } from "./features/types.ts";
import type { EdgeSettings } from "./settings.ts";

type JsonSchema = Record<string, unknown>;

const BINARY_EXTENSION =
  "Accepts the KServe V2 binary tensor extension (as Triton's and KServe's clients send it): a JSON header of " +
  "Inference-Header-Content-Length bytes, then each input with parameters.binary_data_size as raw little-endian bytes, " +
  "in input order (BYTES: a 4-byte length before each element). Outputs asked for with parameters.binary_data (or " +
  "parameters.binary_data_output for all) come back the same way, with the header's length in the response's " +
  "Inference-Header-Content-Length.";

/**
 * A request of a model that looks features up (issue 16): each view's key is a required field, and the features it
 * serves are optional (sent inline, they are used as sent). Changes `schema` (the instances' item schema) in place.
 */
function describeLookups(schema: JsonSchema, plan: LookupPlan): void {
  const item = ((schema["properties"] as JsonSchema | undefined)?.["instances"] as JsonSchema | undefined)?.["items"] as JsonSchema | undefined;
  const properties = item?.["properties"] as Record<string, JsonSchema> | undefined;
  if (item === undefined || properties === undefined) return;
  const looked = new Set(Object.values(plan.views).flatMap((v) => v.features));
  item["required"] = ((item["required"] as string[] | undefined) ?? []).filter((f) => !looked.has(f));
  for (const [name, view] of Object.entries(plan.views)) {
    for (const f of view.features) {
      if (properties[f]) properties[f] = { ...properties[f], description: `looked up in feature view "${name}" by ${view.key} unless sent` };
    }
    if (!properties[view.key]) {
      properties[view.key] = {
        type: ["string", "number"],
        description: `the key of feature view "${name}" (${view.store}), which serves ${view.features.join(", ")}`,
      };
    }
    (item["required"] as string[]).push(view.key);
  }
  item["required"] = [...new Set(item["required"] as string[])];
}

export function buildOpenApi(
  manifest: Manifest,
  settings: EdgeSettings,
  lookup?: LookupPlan,
): { openapi: string; info: JsonSchema; paths: Record<string, JsonSchema>; components: JsonSchema } {
  const predictRequest: JsonSchema = manifest.features
    ? (z.toJSONSchema(createPredictRequestSchema(manifest.features, { maxBatch: settings.maxBatch }), { io: "input", unrepresentable: "any" }) as JsonSchema)
    : tensorPredictSchema(manifest, settings.maxBatch);
  const looksUp = lookup !== undefined && Object.keys(lookup.views).length > 0 && manifest.features !== undefined;
  if (looksUp) describeLookups(predictRequest, lookup);
  const error = {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string" },
          message: { type: "string" },
          hint: { type: "string" },
          issues: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
        },
      },
    },
  };
  const errors = Object.fromEntries(
    [
      ["400", "invalid input: every bad field is listed with its path"],
      ["413", `body over the size limit (${settings.maxBodyBytes} bytes)`],
      ["415", "not application/json"],
      [
        "422",
        looksUp
          ? "well-formed tensors the model cannot use, or a key a feature view has no value for (FEATURE_NOT_FOUND)"
          : "well-formed tensors the model cannot use",
      ],
      ...(looksUp ? [["503", "a feature view's store could not answer (FEATURE_STORE_UNAVAILABLE); nothing was predicted"]] : []),
    ].map(([code, description]) => [code, { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }]),
  );
  const json = (schema: JsonSchema) => ({ content: { "application/json": { schema } } });
  return {
    openapi: "3.1.0",
    info: { title: `${manifest.name} (edge-ml)`, version: manifest.version, description: manifest.description ?? `${manifest.task} model served by edge-ml` },
    paths: {
      [`/v1/models/${manifest.name}:predict`]: {
        post: {
          summary: "Predict (TF Serving / Vertex AI style)",
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/PredictRequest" }) },
          responses: {
            "200": {
              description: "one prediction per instance",
              ...json({ type: "object", properties: { predictions: { type: "array" }, model: { type: "object" }, requestId: { type: "string" } } }),
            },
            ...errors,
          },
        },
      },
      [`/v2/models/${manifest.name}/infer`]: {
        post: {
          summary: "Infer (KServe V2 / Open Inference Protocol)",
          description: BINARY_EXTENSION,
          parameters: [
            {
              name: "Inference-Header-Content-Length",
              in: "header",
              required: false,
              description: "binary tensor extension: the length in bytes of the JSON header at the start of the body",
              schema: { type: "integer", minimum: 1 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/InferRequest" } },
              "application/octet-stream": { schema: { type: "string", format: "binary" } },
            },
          },
          responses: {
            "200": {
              description: "output tensors (JSON; or, for outputs asked for as binary, a JSON header then their bytes as application/octet-stream)",
              content: { "application/json": { schema: { type: "object" } }, "application/octet-stream": { schema: { type: "string", format: "binary" } } },
            },
            ...errors,
          },
        },
      },
      [`/v2/models/${manifest.name}`]: { get: { summary: "Model metadata", responses: { "200": { description: "metadata" } } } },
      "/v2/health/live": { get: { summary: "Liveness", responses: { "200": { description: "the process is up" } } } },
      "/v2/health/ready": {
        get: { summary: "Readiness (model loaded and verified)", responses: { "200": { description: "ready" }, "503": { description: "not ready" } } },
      },
      "/openapi.json": { get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
    components: {
      schemas: {
        PredictRequest: predictRequest,
        InferRequest: {
          type: "object",
          required: ["inputs"],
          properties: {
            id: { type: "string" },
            inputs: {
              type: "array",
              items: {
                type: "object",
                required: ["name", "shape", "datatype"],
                properties: {
                  name: { enum: manifest.io.inputs.map((t) => t.name) },
                  shape: { type: "array", items: { type: "integer", minimum: 0 } },
                  datatype: { type: "string" },
                  data: { type: "array" },
                  parameters: { type: "object", properties: { binary_data_size: { type: "integer", minimum: 0 } } },
                },
              },
            },
            parameters: { type: "object", properties: { binary_data_output: { type: "boolean" } } },
            outputs: {
              type: "array",
              items: {
                type: "object",
                required: ["name"],
                properties: {
                  name: { enum: manifest.io.outputs.map((t) => t.name) },
                  parameters: { type: "object", properties: { binary_data: { type: "boolean" } } },
                },
              },
            },
          },
        },
        Error: error,
      },
    },
  };
}

function tensorPredictSchema(manifest: Manifest, maxBatch: number): JsonSchema {
  const input = manifest.io.inputs[0];
  const nested = (dims: readonly unknown[]): JsonSchema =>
    dims.length === 0
      ? { type: input?.dtype === "bool" ? "boolean" : "number" }
      : { type: "array", items: nested(dims.slice(1)), ...(typeof dims[0] === "number" ? { minItems: dims[0], maxItems: dims[0] } : {}) };
  return {
    type: "object",
    required: ["instances"],
    properties: { instances: { type: "array", minItems: 1, maxItems: maxBatch, items: nested(input?.shape.slice(1) ?? []) } },
  };
}
