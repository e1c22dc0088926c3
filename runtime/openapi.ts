/**
 * The OpenAPI 3.1 document of a deployment, generated from the same zod schemas that validate requests
 * (`z.toJSONSchema`), so the docs cannot drift from what the edge accepts.
 */
import * as z from "zod";
import { createPredictRequestSchema } from "../core/features.ts";
import type { Manifest } from "../core/schema/manifest.ts";
import type { EdgeSettings } from "./settings.ts";

type JsonSchema = Record<string, unknown>;

export function buildOpenApi(
  manifest: Manifest,
  settings: EdgeSettings,
): { openapi: string; info: JsonSchema; paths: Record<string, JsonSchema>; components: JsonSchema } {
  const predictRequest: JsonSchema = manifest.features
    ? (z.toJSONSchema(createPredictRequestSchema(manifest.features, { maxBatch: settings.maxBatch }), { io: "input", unrepresentable: "any" }) as JsonSchema)
    : tensorPredictSchema(manifest, settings.maxBatch);
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
      ["413", "body over the size limit"],
      ["415", "not application/json"],
      ["422", "well-formed tensors the model cannot use"],
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
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/InferRequest" }) },
          responses: { "200": { description: "output tensors", ...json({ type: "object" }) }, ...errors },
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
                required: ["name", "shape", "datatype", "data"],
                properties: {
                  name: { enum: manifest.io.inputs.map((t) => t.name) },
                  shape: { type: "array", items: { type: "integer", minimum: 0 } },
                  datatype: { type: "string" },
                  data: { type: "array" },
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
