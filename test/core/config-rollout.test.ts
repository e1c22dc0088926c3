/**
 * `models.<name>.rollout` in edge-ml.config.ts: what a valid rollout reads as (defaults filled), and the error a user
 * sees for each mistake, with the key path (`models.titanic.rollout.share: must be between 0 and 1 ...`).
 */
import { describe, expect, it } from "vitest";
import { Config } from "../../core/config.ts";
import { issuesFromZod } from "../../core/errors.ts";

const parse = (rollout: unknown) => Config.safeParse({ models: { titanic: { rollout } } });
const issues = (rollout: unknown) => {
  const r = parse(rollout);
  return r.success ? [] : issuesFromZod(r.error.issues).map((i) => `${i.path}: ${i.message}`);
};

describe("rollout config", () => {
  it("reads a canary and a shadow rollout, sticky by the request id unless a header is named", () => {
    const canary = parse({ challenger: "titanic@1.1.0", mode: "canary", share: 0.1 });
    expect(canary.success && canary.data.models["titanic"]?.rollout).toEqual({ challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "requestId" });
    const shadow = parse({ challenger: "titanic@staging", mode: "shadow", sticky: "header:X-User-Id" });
    expect(shadow.success && shadow.data.models["titanic"]?.rollout).toEqual({ challenger: "titanic@staging", mode: "shadow", sticky: "header:X-User-Id" });
  });

  it("names the key path and what is allowed for every mistake", () => {
    expect(issues({ challenger: "titanic@1.1.0", mode: "canary", share: 1.5 })).toEqual([
      "models.titanic.rollout.share: must be between 0 and 1 (0.1 sends 10% of users to the challenger)",
    ]);
    expect(issues({ challenger: "titanic@1.1.0", mode: "canary" })).toEqual([
      "models.titanic.rollout.share: required in canary mode; must be between 0 and 1 (0.1 sends 10% of users to the challenger)",
    ]);
    expect(issues({ challenger: "1.1.0", mode: "blue-green", sticky: "cookie:id", percent: 10 })).toEqual([
      'models.titanic.rollout.challenger: expected "<name>@<version>", e.g. "titanic@1.1.0"',
      'models.titanic.rollout.mode: expected "shadow" or "canary"',
      'models.titanic.rollout.sticky: expected "requestId" or "header:<name>", e.g. "header:x-user-id"',
      'models.titanic.rollout: unknown key "percent" (allowed: challenger, mode, share, sticky)',
    ]);
    expect(issues({ challenger: "titanic-forest@1.0.0", mode: "shadow" })).toEqual([
      'models.titanic.rollout.challenger: a challenger is another version of titanic, not "titanic-forest@1.0.0" (e.g. "titanic@1.1.0")',
    ]);
    expect(issues({ challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "header:" })).toEqual([
      'models.titanic.rollout.sticky: expected "requestId" or "header:<name>", e.g. "header:x-user-id"',
    ]);
  });
});
