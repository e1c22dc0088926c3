/**
 * The store contract is what a new store implements, so it must stand alone: followed through every relative import,
 * monitor/store/contract.ts reaches no alerts, routes, analytics or store implementation, and no Node module.
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/tmp.ts";

function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else seen.add(spec); // a package: recorded, not followed
    }
  };
  visit(entry);
  return [...seen].map((f) => (f.startsWith("/") ? relative(REPO_ROOT, f) : f)).sort();
}

describe("monitor/store/contract.ts", () => {
  it("imports nothing from alerts/, routes/, analytics/, a store folder or node:", () => {
    const files = reachable(resolve(REPO_ROOT, "monitor/store/contract.ts"));
    expect(files).toContain("monitor/store/contract-ml.ts");
    expect(files.filter((f) => /^monitor\/(alerts|routes|analytics|store\/(sqlite|sql|postgres|d1))\/|^node:/.test(f))).toEqual([]);
  });
});
