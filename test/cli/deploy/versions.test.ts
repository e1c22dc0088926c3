/**
 * The parts of gradual deployments that need no wrangler run: traffic splits checked before anything is sent, the
 * dry-run plan, and reading wrangler's error block. The wrangler runs against a stand-in of Cloudflare's API are in
 * test/integration/deploy-real.test.ts.
 */
import { describe, expect, it } from "vitest";
import { checkTraffic, gradualPlan } from "../../../cli/deploy/versions.ts";
import { wranglerErrors } from "../../../targets/worker/wrangler.ts";

const A = "83c54bcd-cddc-4c96-808b-d16fb6db5054";
const B = "4da83d31-00ba-4439-86e1-8ff33f2c4f2c";

describe("gradual deployments", () => {
  it("accepts one or two versions adding up to 100, refuses anything else before calling wrangler", () => {
    expect(() => checkTraffic([{ id: A, percentage: 100 }])).not.toThrow();
    expect(() =>
      checkTraffic([
        { id: A, percentage: 90 },
        { id: B, percentage: 10 },
      ]),
    ).not.toThrow();
    expect(() =>
      checkTraffic([
        { id: A, percentage: 80 },
        { id: B, percentage: 10 },
      ]),
    ).toThrow(`a traffic split needs one or two versions whose percentages add up to 100 (got ${A}@80% ${B}@10%)`);
    expect(() => checkTraffic([])).toThrow("(got none)");
    expect(() => checkTraffic([{ id: "champion", percentage: 100 }])).toThrow(
      expect.objectContaining({ issues: [{ path: "traffic[0].id", message: '"champion" is not a Worker version id' }] }),
    );
  });

  it("prints the plan of a gradual deploy", () => {
    expect(gradualPlan({ champion: "titanic@1.0.0", challenger: "titanic@1.1.0", worker: "titanic", percentage: 10 })).toBe(
      "would upload titanic@1.0.0 (EDGE_ML_ROLLOUT_ARM=champion) and titanic@1.1.0 (EDGE_ML_ROLLOUT_ARM=challenger) as new versions of Worker titanic; then deploy <titanic@1.0.0>@90% <titanic@1.1.0>@10%; clients stick by the Cloudflare-Workers-Version-Key header",
    );
    expect(gradualPlan({ champion: "a@1.0.0", challenger: "a@2.0.0", worker: "a", percentage: 25 })).toContain("then deploy <a@1.0.0>@75% <a@2.0.0>@25%");
  });

  it("reads wrangler's error block without colours", () => {
    const output = [
      "Total Upload: 254.23 KiB / gzip: 91.42 KiB",
      "\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1mA request to the Cloudflare API (/accounts/x/workers/scripts/titanic) failed.\u001b[0m",
      "",
      "  Uncaught Error: boom [code: 10021]",
      "  ",
      "  If you think this is a bug, please open an issue at: https://github.com/cloudflare/workers-sdk/issues/new/choose",
    ].join("\n");
    expect(wranglerErrors(output)).toEqual([
      "A request to the Cloudflare API (/accounts/x/workers/scripts/titanic) failed.",
      "Uncaught Error: boom [code: 10021]",
    ]);
    expect(wranglerErrors("all good")).toEqual([]);
  });
});
