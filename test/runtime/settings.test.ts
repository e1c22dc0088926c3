/** Settings: env over the build's config over defaults; an unset body limit follows the model and its maxBatch. */
import { describe, expect, it } from "vitest";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { resolveEdgeSettings, settingsFromEnv } from "../../runtime/settings.ts";

const MIB = 1024 * 1024;
const model = (shape: TensorSpec["shape"]) => ({ io: { inputs: [{ name: "x", dtype: "float32" as const, shape }] } });
const image = model(["batch", 3, 320, 320]);

describe("resolveEdgeSettings", () => {
  it("derives the body limit from the model when nothing sets it", () => {
    expect(resolveEdgeSettings(image, undefined)).toEqual({ maxBodyBytes: 32 * MIB, maxBatch: 256 });
    expect(resolveEdgeSettings(model(["batch", 4]), {})).toEqual({ maxBodyBytes: MIB, maxBatch: 256 });
  });

  it("an explicit limit wins: the build's config, then the env var over it", () => {
    expect(resolveEdgeSettings(image, { maxBodyBytes: 2_000_000 })).toEqual({ maxBodyBytes: 2_000_000, maxBatch: 256 });
    expect(resolveEdgeSettings(image, { maxBodyBytes: 2_000_000 }, { EDGE_ML_MAX_BODY_BYTES: "3000000" }).maxBodyBytes).toBe(3_000_000);
    expect(resolveEdgeSettings(image, { maxBodyBytes: undefined }).maxBodyBytes).toBe(32 * MIB);
  });

  it("a derived limit follows maxBatch from the config or the env", () => {
    expect(resolveEdgeSettings(image, { maxBatch: 1 })).toEqual({ maxBodyBytes: 8 * MIB, maxBatch: 1 });
    expect(resolveEdgeSettings(image, { maxBatch: 64 }, { EDGE_ML_MAX_BATCH: "1" })).toEqual({ maxBodyBytes: 8 * MIB, maxBatch: 1 });
  });

  it("ignores invalid env values", () => {
    expect(settingsFromEnv({ EDGE_ML_MAX_BODY_BYTES: "lots", EDGE_ML_MAX_BATCH: "-1" })).toEqual({});
  });
});
