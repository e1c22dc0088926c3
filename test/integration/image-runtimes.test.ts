/**
 * core/image in the runtimes it is written for: the same bundle (esbuild, no Node built-ins) preprocesses the fixture
 * images in workerd (miniflare) and in Deno, and every tensor must equal, to the bit, what it gives in Node, whose
 * output the unit tests hold against Pillow and torchvision.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { describe, expect, it } from "vitest";
import { type ImageOptions, imageToTensor } from "../../core/image/pipeline.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

interface Case {
  b64: string;
  options: ImageOptions;
}

const expected = JSON.parse(readFileSync(join(FIXTURES, "image", "expected.json"), "utf8")) as {
  pipeline: ({ source: string; shape: number[]; tensor: string } & ImageOptions)[];
};
const src = (name: string) => readFileSync(join(FIXTURES, "image", "src", name)).toString("base64");
const cases: Case[] = [
  ...expected.pipeline.map(({ source, shape: _s, tensor: _t, ...options }) => ({ b64: src(source), options })),
  // Every decoder path: each JPEG subsampling, progressive, 16-bit and palette PNG, through contain and cover.
  ...["photo-422.jpg", "photo-odd-420.jpg", "photo-progressive.jpg", "rgb16.png", "gray4.png"].flatMap((name) => [
    { b64: src(name), options: { size: [17, 23], fit: "cover" } as ImageOptions },
    { b64: src(name), options: { size: [9, 31], fit: "contain", padValue: 114, channels: "bgr", layout: "nhwc" } as ImageOptions },
  ]),
];

// The function each runtime runs: base64 in, base64 of the float32 tensor out (bit-for-bit comparable).
const ENTRY = `
import { imageToTensor } from ${JSON.stringify(join(REPO_ROOT, "core/image/pipeline.ts"))};
export function run(cases) {
  return cases.map((c) => {
    const t = imageToTensor({ b64: c.b64 }, c.options);
    const bytes = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  });
}
`;

const nodeOutputs = cases.map((c) => {
  const t = imageToTensor({ b64: c.b64 }, c.options);
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString("base64");
});

async function bundle(dir: string, entry: string, file: string): Promise<string> {
  writeFileSync(join(dir, `${file}.src.mjs`), entry);
  const out = join(dir, `${file}.mjs`);
  // platform "neutral" with browser-style conditions: what a Worker or Deno bundle resolves; Node built-ins would fail.
  await build({
    entryPoints: [join(dir, `${file}.src.mjs`)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["worker", "browser", "import"],
    outfile: out,
    logLevel: "silent",
  });
  return out;
}

describe("core/image gives Node's tensors in workerd and Deno", () => {
  const dir = tempDir("edge-ml-image-");

  it("workerd (miniflare)", async () => {
    const worker = `${ENTRY}\nexport default { async fetch(req) { return Response.json(run(await req.json())); } };`;
    const script = readFileSync(await bundle(dir, worker, "worker"), "utf8");
    const mf = new Miniflare({ modules: true, script, compatibilityDate: "2026-04-01" });
    try {
      const res = await mf.dispatchFetch("http://image.test/", { method: "POST", body: JSON.stringify(cases) });
      const outputs = (await res.json()) as string[];
      expect(outputs.length).toBe(cases.length);
      outputs.forEach((o, i) => expect(o, `case ${i}: ${JSON.stringify(cases[i]?.options)}`).toBe(nodeOutputs[i]));
    } finally {
      await mf.dispose();
    }
  });

  it("Deno", async () => {
    await bundle(dir, ENTRY, "image-deno");
    writeFileSync(join(dir, "cases.json"), JSON.stringify(cases));
    const main = join(dir, "main.mjs");
    writeFileSync(
      main,
      `import { run } from "./image-deno.mjs";\nconsole.log(JSON.stringify(run(JSON.parse(await Deno.readTextFile(${JSON.stringify(join(dir, "cases.json"))})))));`,
    );
    const stdout = execFileSync(join(REPO_ROOT, "node_modules/.bin/deno"), ["run", "--no-prompt", `--allow-read=${dir}`, main], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      maxBuffer: 64 * 1024 * 1024,
    });
    const outputs = JSON.parse(stdout) as string[];
    expect(outputs.length).toBe(cases.length);
    outputs.forEach((o, i) => expect(o, `case ${i}: ${JSON.stringify(cases[i]?.options)}`).toBe(nodeOutputs[i]));
  });
});
