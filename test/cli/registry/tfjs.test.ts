import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { verifyTfjsArtifact } from "../../../core/tfjs-artifact.ts";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, tempDir } from "../../helpers/tmp.ts";

const blazeface = join(FIXTURES, "tfjs", "blazeface");
const tinyLayers = join(FIXTURES, "tfjs", "tiny-layers");
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("models add: TF.js models", () => {
  const base = tempDir();
  const project = join(base, "proj");
  const readManifest = (name: string, version: string) =>
    Manifest.parse(JSON.parse(readFileSync(join(project, "models", name, version, "manifest.json"), "utf8")));
  /** A copy of a fixture folder that a test may damage. */
  const copy = (from: string, name: string) => {
    const to = join(base, name);
    cpSync(from, to, { recursive: true });
    return to;
  };

  it("registers blazeface (a graph model) with the IO of its signature and its shard hashed", async () => {
    expect((await runCli(["init", "proj"], base)).code).toBe(0);
    const r = await runCli(["models", "add", join(blazeface, "model.json"), "--name", "face", "--version", "1.0.0"], project);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("weights: graph-model, 1 shard (538928 bytes), each hashed");
    const m = readManifest("face", "1.0.0");
    expect(m.schemaVersion).toBe(5);
    expect(m.task).toBe("tensor");
    expect(m.io.inputs).toEqual([{ name: "input:0", dtype: "float32", shape: [1, 256, 256, 3] }]);
    expect(m.io.outputs).toEqual([
      { name: "Identity_3:0", dtype: "float32", shape: [1, 384, 16] },
      { name: "Identity:0", dtype: "float32", shape: [1, 512, 1] },
      { name: "Identity_1:0", dtype: "float32", shape: [1, 384, 1] },
      { name: "Identity_2:0", dtype: "float32", shape: [1, 512, 16] },
    ]);
    const json = readFileSync(join(blazeface, "model.json"));
    const bin = readFileSync(join(blazeface, "blazeface.bin"));
    expect(m.artifact).toMatchObject({ file: "model.json", format: "tfjs", sha256: sha(json), bytes: json.byteLength, opsets: [] });
    expect(m.artifact.tfjs).toEqual({ modelFormat: "graph-model", shards: [{ file: "blazeface.bin", sha256: sha(bin), bytes: 538928 }], weightBytes: 538928 });
    const dir = join(project, "models", "face", "1.0.0");
    expect(readFileSync(join(dir, "model.json"))).toEqual(json);
    expect(readFileSync(join(dir, "blazeface.bin"))).toEqual(bin);
  });

  it("registers a layers model given as a folder (no format key, uint8/float16 weights over two shards)", async () => {
    const r = await runCli(["models", "add", tinyLayers, "--name", "tiny", "--version", "1.0.0"], project);
    expect(r.stderr).toBe("");
    const m = readManifest("tiny", "1.0.0");
    expect(m.io).toEqual({
      inputs: [{ name: "image", dtype: "float32", shape: ["batch", 8, 8, 3] }],
      outputs: [
        { name: "probs", dtype: "float32", shape: ["batch", 3] },
        { name: "gap", dtype: "float32", shape: ["batch", 4] },
      ],
    });
    expect(m.artifact.tfjs?.modelFormat).toBe("layers-model");
    // conv/kernel 108 x uint8 + conv/bias 4 x float16 + probs/kernel 12 x uint8 + probs/bias 3 x float32
    expect(m.artifact.tfjs?.weightBytes).toBe(108 + 8 + 12 + 12);
    expect(m.artifact.tfjs?.shards.map((s) => [s.file, s.bytes])).toEqual([
      ["group1-shard1of2.bin", 96],
      ["group1-shard2of2.bin", 44],
    ]);
  });

  it("models show prints the TF.js artifact, its shards and IO", async () => {
    const r = await runCli(["models", "show", "face@1.0.0"], project);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => /^(artifact|tfjs|shard|input|output) /.test(l)).map((l) => l.replace(/[0-9a-f]{64}/, "<sha256>"))).toEqual([
      "artifact  model.json  tfjs  79038 bytes  sha256 <sha256>",
      "tfjs      graph-model  1 shard  538928 weight bytes (526.3 KiB)  from https://github.com/google/mediapipe; https://github.com/vladmandic",
      "shard     blazeface.bin  538928 bytes  sha256 <sha256>",
      "input     input:0  float32[1, 256, 256, 3]",
      "output    Identity_3:0  float32[1, 384, 16]",
      "output    Identity:0  float32[1, 512, 1]",
      "output    Identity_1:0  float32[1, 384, 1]",
      "output    Identity_2:0  float32[1, 512, 16]",
    ]);
  });

  it("refuses a missing shard, naming it and the JSON path", async () => {
    const dir = copy(tinyLayers, "missing");
    rmSync(join(dir, "group1-shard2of2.bin"));
    const r = await runCli(["models", "add", dir, "--name", "bad", "--version", "1.0.0"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("model.json: weightsManifest[0].paths[1] names group1-shard2of2.bin, which is missing");
    expect(r.stderr).toContain("hint: copy every weight file the model.json lists into its folder");
  });

  it("refuses a truncated shard: the declared weight bytes and the shard bytes differ", async () => {
    const dir = copy(blazeface, "truncated");
    truncateSync(join(dir, "blazeface.bin"), 538000);
    const r = await runCli(["models", "add", dir, "--name", "bad", "--version", "1.0.0"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("model.json: weightsManifest[0] declares 538928 bytes of weights (112 weights), but blazeface.bin (538000 bytes) hold 538000");
    expect(r.stderr).toContain("hint: a weight file is truncated");
  });

  it("refuses a JSON file that is not a TF.js model, and a weight spec of unknown dtype or quantization", async () => {
    const dir = copy(tinyLayers, "not-tfjs");
    writeFileSync(join(dir, "other.json"), JSON.stringify({ weightsManifest: [] }));
    const a = await runCli(["models", "add", join(dir, "other.json"), "--name", "bad", "--version", "1.0.0"], project);
    expect(a.stderr).toContain("other.json: has no modelTopology: it is not a TF.js model.json");

    const model = JSON.parse(readFileSync(join(tinyLayers, "model.json"), "utf8"));
    model.weightsManifest[0].weights[1].quantization.dtype = "int4";
    writeFileSync(join(dir, "model.json"), JSON.stringify(model));
    const b = await runCli(["models", "add", dir, "--name", "bad", "--version", "1.0.0"], project);
    expect(b.stderr).toContain('weightsManifest[0].weights[1].quantization.dtype (weight "conv/bias"): "int4" is not a TF.js quantization');

    delete model.weightsManifest[0].weights[1].quantization;
    model.weightsManifest[0].weights[1].dtype = "string";
    writeFileSync(join(dir, "model.json"), JSON.stringify(model));
    const c = await runCli(["models", "add", dir, "--name", "bad", "--version", "1.0.0"], project);
    expect(c.stderr).toContain('weightsManifest[0].weights[1].dtype (weight "conv/bias"): "string" is not a TF.js weight dtype edge-ml can size');
  });

  it("verification names a tampered, missing or resized file of a registered version", async () => {
    const m = readManifest("face", "1.0.0");
    const dir = join(project, "models", "face", "1.0.0");
    const files: Record<string, Uint8Array> = {
      "model.json": readFileSync(join(dir, "model.json")),
      "blazeface.bin": readFileSync(join(dir, "blazeface.bin")),
    };
    const read = (f: string) => files[f];
    await expect(verifyTfjsArtifact(m.artifact, read)).resolves.toBeUndefined();

    const tampered = new Uint8Array(files["blazeface.bin"] as Uint8Array);
    tampered[1000] = (tampered[1000] as number) ^ 1;
    const expected = m.artifact.tfjs?.shards[0]?.sha256;
    await expect(verifyTfjsArtifact(m.artifact, (f) => (f === "blazeface.bin" ? tampered : read(f)))).rejects.toThrow(
      `blazeface.bin: sha256 ${sha(tampered)} does not match the manifest's ${expected}`,
    );
    await expect(verifyTfjsArtifact(m.artifact, (f) => (f === "blazeface.bin" ? undefined : read(f)))).rejects.toThrow(
      "blazeface.bin: missing (the manifest lists it with 538928 bytes)",
    );
    await expect(verifyTfjsArtifact(m.artifact, async (f) => (f === "model.json" ? new Uint8Array(3) : read(f)))).rejects.toMatchObject({
      code: "ERR_INTEGRITY",
      file: "model.json",
      message: "model.json: 3 bytes, but the manifest records 79038",
    });
  });
});
