import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPath } from "../../../core/errors.ts";
import { Manifest, requiredSchemaVersion } from "../../../core/schema/manifest.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const titanic = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Record<string, unknown> & {
  features: Record<string, unknown>[];
};
const withNormalize = (schemaVersion: number) => ({
  ...titanic,
  schemaVersion,
  features: titanic.features.map((f) => (f["name"] === "sex" ? { ...f, normalize: "case_and_space" } : f)),
});

describe("manifest contract versions", () => {
  it("reads a version 1 manifest as written before version 2 existed", () => {
    expect(titanic["schemaVersion"]).toBe(1);
    expect(Manifest.parse(titanic).schemaVersion).toBe(1);
  });

  it("refuses a version 2 field in a version 1 manifest, naming the field", () => {
    const r = Manifest.safeParse(withNormalize(1));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)).toEqual(["features[0].normalize: needs schemaVersion 2 (this manifest says 1)"]);
  });

  it("reads the field in a version 2 manifest and refuses versions it does not know", () => {
    expect(Manifest.parse(withNormalize(2)).features?.[0]?.normalize).toBe("case_and_space");
    expect(Manifest.safeParse({ ...titanic, schemaVersion: 3 }).success).toBe(false);
  });

  it("writes the lowest version that holds the fields", () => {
    expect(requiredSchemaVersion(Manifest.parse(titanic))).toBe(1);
    expect(requiredSchemaVersion(Manifest.parse(withNormalize(2)))).toBe(2);
  });
});
