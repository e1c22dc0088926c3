/** The target registry: the one list of targets, what each can do, and the usage errors for what it cannot. */
import { describe, expect, it } from "vitest";
import { DEPLOYABLE_TARGETS, getTarget, SERVABLE_TARGETS, TARGET_NAMES } from "../../targets/index.ts";

describe("targets/index.ts", () => {
  it("lists every target once, with what dev and deploy can do with it", () => {
    expect(TARGET_NAMES).toEqual(["worker", "deno", "browser", "node"]);
    expect(SERVABLE_TARGETS).toEqual(["worker", "deno", "node"]);
    expect(DEPLOYABLE_TARGETS).toEqual(["worker"]);
    for (const name of TARGET_NAMES) expect(getTarget(name).name).toBe(name);
  });

  it("an unknown target, or one that cannot do what was asked, is a usage error listing those that can", () => {
    expect(() => getTarget("lambda")).toThrow(
      expect.objectContaining({ code: "ERR_USAGE", message: "--target lambda is not a target", hint: "Should be one of: worker, deno, browser, node" }),
    );
    expect(() => getTarget("browser", "dev")).toThrow(
      expect.objectContaining({
        message: "the browser target cannot be served by edge-ml dev",
        hint: "Should be one of: worker, deno, node (build any target with `npx edge-ml build --target <worker|deno|browser|node>`)",
      }),
    );
    expect(() => getTarget("deno", "deploy")).toThrow(expect.objectContaining({ message: "the deno target cannot be deployed by edge-ml deploy" }));
  });

  it("loads serve and deploy lazily (miniflare and wrangler only when used)", async () => {
    expect(typeof (await getTarget("node", "dev").serve!.load())).toBe("function");
    expect(typeof (await getTarget("worker", "deploy").deploy!.load())).toBe("function");
  });
});
