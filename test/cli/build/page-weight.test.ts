/**
 * The page's own JavaScript before the engine: what a browser build makes the page download and parse before
 * onnxruntime-web (or TF.js) is even asked for. Issue 13 budgets it at 150 KB; it was 487 KiB when zod and the image
 * decoders sat in the entry. The closure is followed through static `import` statements only: dynamic imports (the
 * engine, the image/audio decoders) load later, and only for the models that need them.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTarget } from "../../../cli/build/bundle.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const BUDGET = 150_000;

/** Bytes of `file` plus every module it reaches through static imports (each counted once). */
function staticClosure(file: string, seen = new Map<string, number>()): Map<string, number> {
  if (seen.has(file)) return seen;
  const code = readFileSync(file, "utf8");
  seen.set(file, Buffer.byteLength(code));
  // esbuild's minified ESM: `import{a as b}from"./chunks/x.js"` or `import"./x.js"`; dynamic ones are `import("...")`.
  for (const m of code.matchAll(/import(?:[\s{][^"'()]*?from)?\s*["']([^"']+)["']/g)) {
    const spec = m[1] as string;
    if (spec.startsWith(".")) staticClosure(resolve(dirname(file), spec), seen);
  }
  return seen;
}

const dynamicImports = (file: string) => [...readFileSync(file, "utf8").matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string);

describe("a browser build's own JS before the engine", () => {
  it.each([
    ["titanic@1.0.0", "ort"],
    ["titanic@1.0.0", "compiled"],
    ["text-detect@1.0.0", "ort"],
  ] as const)("%s (%s engine) stays under 150 KB, the engine and decoders behind dynamic imports", async (ref, engine) => {
    const out = join(tempDir(), "site");
    await buildTarget({ root: REPO_ROOT, ref, target: "browser", engine, outDir: out, parity: false });
    const entry = join(out, "edge-ml-model.js");
    const closure = staticClosure(entry);
    const bytes = [...closure.values()].reduce((a, b) => a + b, 0);
    expect(bytes, [...closure].map(([f, b]) => `${f.slice(out.length + 1)} ${b}`).join("\n")).toBeLessThanOrEqual(BUDGET);
    const code = [...closure.keys()].map((f) => readFileSync(f, "utf8")).join("\n");
    // zod/mini's core is in (request validation); zod classic's chainable API (`.superRefine(`) and the decoders are not.
    expect(code).not.toContain("superRefine");
    expect(code).not.toMatch(/JpegImage|PNG_SIGNATURE|IHDR/);
    const lazy = [...closure.keys()].flatMap((f) => dynamicImports(f));
    if (engine === "ort") expect(lazy.some((s) => s.includes("ort.wasm"))).toBe(true);
    if (ref.startsWith("text-detect")) expect(lazy.some((s) => s.includes("preprocess-media"))).toBe(true);
  });
});
