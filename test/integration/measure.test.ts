/**
 * Start-up and memory of real titanic Worker builds in workerd, beside a hello-world Worker in the same run
 * (cli/build/measure.ts), held to the platform's limits (core/platform-limits.ts): the ORT build (14 MB wasm) and the
 * compiled build (no wasm); a build over a lowered limit is refused by deploy unless forced, and the log says so.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLOUDFLARE_WORKERS_LIMITS } from "../../core/platform-limits.ts";
import { buildTarget } from "../../cli/build/bundle.ts";
import { assessBuild } from "../../cli/build/limits-report.ts";
import { measureLoading } from "../../cli/build/load-timing.ts";
import { measureWorker } from "../../cli/build/measure.ts";
import { deploy } from "../../cli/deploy/deploy.ts";
import { runCli } from "../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { titanicProject } from "../helpers/validate-project.ts";

const LINUX = process.platform === "linux";
const MIB = 1024 * 1024;

describe("measureWorker", () => {
  const tmp = tempDir("edge-ml-measure-");

  it("an ORT build: start-up, first prediction and memory beside a hello-world Worker; findings in build.json", async () => {
    const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "worker", engine: "ort", outDir: join(tmp, "ort") });
    expect(build.files.map((f) => f.type)).toContain("CompiledWasm");
    const { measurement: m, findings } = await assessBuild(build, { runs: 2 });
    if (!m) throw new Error("a worker build is measured");
    expect(m.runs).toBe(2);
    expect(m.samples.model).toHaveLength(2);
    expect(m.samples.hello).toHaveLength(2);
    expect(m.request).toEqual({ method: "POST", path: "/v1/models/titanic:predict" });
    for (const x of [m.startupMs, m.firstPredictionMs, m.coldStartMs, m.hello.startupMs, m.hello.firstRequestMs]) expect(x).toBeGreaterThan(0);
    expect(m.coldStartMs).toBeGreaterThanOrEqual(m.startupMs);
    if (LINUX) {
      // ORT's wasm and runtime: tens of MB more than an empty Worker (NOTES.md: ~95 MiB).
      expect(m.memoryGrowthBytes).toBeGreaterThan(30 * MIB);
      expect(m.rssBytes).toBeGreaterThan(m.hello.rssBytes ?? Number.POSITIVE_INFINITY);
      expect(m.scriptStartupCpuMs).toBeGreaterThan(0);
    } else {
      expect(m.memoryGrowthBytes).toBeNull();
      expect(m.memory).toMatch(/^unavailable/);
    }
    for (const f of findings) expect(f.allowed).toBe(CLOUDFLARE_WORKERS_LIMITS[f.limit].value);
    const written = JSON.parse(readFileSync(join(build.outDir, "build.json"), "utf8"));
    expect(written.measurement.firstPredictionMs).toBe(m.firstPredictionMs);
    expect(written.limits).toEqual({ platform: "cloudflare-workers", findings });
    expect(written.files).toEqual(build.files); // the build's own fields stay
  });

  it("a compiled build (no wasm file): measured the same way, far below every limit", async () => {
    const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "worker", engine: "compiled", outDir: join(tmp, "compiled") });
    expect(build.files.some((f) => f.path.endsWith(".wasm"))).toBe(false);
    const m = await measureWorker(build.outDir, { runs: 1 });
    expect(m.firstPredictionMs).toBeGreaterThan(0);
    if (LINUX) expect(m.memoryGrowthBytes).toBeLessThan(40 * MIB);
    expect((await assessBuild(build, { measure: false })).findings).toEqual([]);
  });

  it("fails clearly on a folder that is not a worker build", async () => {
    const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "node", engine: "compiled", outDir: join(tmp, "node") });
    await expect(measureWorker(build.outDir)).rejects.toThrow(/holds a node build: start-up and memory are measured for worker builds/);
  });

  it("lazy vs eager model load: both measured, eager answers its first prediction sooner", async () => {
    const r = await measureLoading({ root: REPO_ROOT, ref: "titanic@1.0.0", outDir: join(tmp, "loading"), runs: 1 });
    expect(r.eager.firstPredictionMs).toBeLessThan(r.lazy.firstPredictionMs);
    expect(["lazy", "eager"]).toContain(r.pick);
    expect(r.why).toMatch(/eager start-up \d+ ms/);
  });
});

describe("deploy and the platform's limits", () => {
  const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
  const lowered = { ...CLOUDFLARE_WORKERS_LIMITS, scriptBytes: { ...CLOUDFLARE_WORKERS_LIMITS.scriptBytes, value: 100 * 1024, shown: "100 KiB" } };
  const lastLog = () => JSON.parse(readFileSync(join(dir, "deploys.log.jsonl"), "utf8").trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;

  it("refuses a build over a limit, naming the limit and the measured value; --force ships it and the log says so", async () => {
    expect((await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--resamples", "100"], dir)).code).toBe(0);
    const opts = {
      root: dir,
      ref: "titanic@1.0.0",
      target: "worker",
      dryRun: true,
      engine: "ort",
      measure: false,
      limits: lowered,
      out: join(dir, "dist", "w"),
    } as const;
    const refused = deploy(opts);
    await expect(refused).rejects.toMatchObject({
      code: "ERR_GATE_FAILED",
      message: expect.stringMatching(
        /^titanic@1\.0\.0 cannot be deployed: Worker size \(uncompressed\): the Worker's modules \d+\.\d\d MiB exceeds the limit of 100 KiB/,
      ),
      issues: [{ path: "limits.scriptBytes", message: expect.stringContaining("exceeds the limit of 100 KiB") }],
      hint: expect.stringContaining("--engine compiled"),
    });
    expect(lastLog()).toMatchObject({ result: "refused", forced: false, gate: "blessed", limits: expect.stringMatching(/^exceeded: Worker size/) });
    expect(existsSync(join(dir, "dist", "w.dry-run"))).toBe(false); // wrangler never ran

    const forced = await deploy({ ...opts, force: true, reason: "limits test" });
    expect(forced.limits).toMatchObject([{ limit: "scriptBytes", severity: "error" }]);
    expect(lastLog()).toMatchObject({
      result: "dry-run",
      forced: true,
      reason: "limits test",
      limits: expect.stringMatching(/^forced past: exceeded: Worker size/),
    });
  });

  it("the CLI deploy prints the limits beside what would go out, and logs them", async () => {
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run", "--engine", "compiled"], dir);
    // Within the real limits: the compiled build deploys (dry run), with the limits in the report.
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Cloudflare Workers limits");
    expect(r.stdout).toMatch(/✔ script start-up\s+\d+ ms of 1 s/);
    expect(lastLog()).toMatchObject({ result: "dry-run", limits: "within limits" });
  });
});
