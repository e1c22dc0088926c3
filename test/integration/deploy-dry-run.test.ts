/**
 * `edge-ml deploy --dry-run` end to end from the example, in a temp project copy: validate (blessed) ▶ build ▶ the
 * real pinned wrangler's `deploy --dry-run --outdir` (offline) ▶ what would go out is printed; the champion alias does
 * not move and the attempt is logged. A forced dry run of an unvalidated version records its reason.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deploy } from "../../cli/deploy/deploy.ts";
import { formatBytes } from "../../cli/terminal/output.ts";
import { runCli } from "../helpers/cli.ts";
import { addVersion, setChampion, titanicProject } from "../helpers/validate-project.ts";

const SHA = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "models", "titanic", "1.0.0", "manifest.json"), "utf8")).artifact.sha256 as string;
const lastLog = (dir: string) => JSON.parse(readFileSync(join(dir, "deploys.log.jsonl"), "utf8").trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
const aliases = (dir: string) => JSON.parse(readFileSync(join(dir, "models", "titanic", "aliases.json"), "utf8")) as Record<string, string>;

describe("edge-ml deploy --dry-run", () => {
  const dir = titanicProject({
    gates: { absolute: [{ metric: "roc_auc", min: 0.8 }], relative: [{ metric: "roc_auc", maxDrop: 0.02 }] },
    targets: { worker: { name: "titanic-edge", routes: ["example.com/titanic/*"], vars: { LOG_LEVEL: "info" } } },
    telemetry: { endpoint: "http://127.0.0.1:9", sampleRate: 0.05, redact: ["name"] },
  });
  addVersion(dir, "1.1.0");
  addVersion(dir, "1.2.0");
  setChampion(dir, "1.0.0");

  it("a blessed version: builds, runs wrangler's dry run, prints sizes, vars and version; champion stays; logged", async () => {
    const v = await runCli(["validate", "titanic@1.1.0", "--data", "eval.csv", "--resamples", "200"], dir);
    expect(v.code).toBe(0);
    const r = await runCli(["deploy", "titanic@1.1.0", "--dry-run", "--out", "dist/w"], dir);
    // stderr has the progress: each step, and wrangler's output streamed as it came; no error.
    expect(r.stderr).not.toContain("✖");
    expect(r.stderr).toContain("--dry-run: exiting now.");
    expect(r.code).toBe(0);
    const out = r.stdout.split("\n");
    expect(out[0]).toBe('✔ dry run: titanic@1.1.0 would deploy to Worker "titanic-edge" (nothing uploaded)');
    expect(out).toContain(`  model    titanic@1.1.0  sha256 ${SHA}`);
    expect(out).toContain("  routes   example.com/titanic/*");
    expect(out).toContain(
      '  vars     EDGE_ML_MODEL="titanic@1.1.0", EDGE_ML_MONITOR_URL="http://127.0.0.1:9", EDGE_ML_SAMPLE_RATE="0.05", EDGE_ML_DEPLOYMENT="titanic-edge", EDGE_ML_REDACT="name", LOG_LEVEL="info"',
    );
    // titanic's MLP compiles (build's default --engine auto): the Worker ships the compiled graph, no ORT wasm.
    expect(existsSync(join(dir, "dist", "w", "ort-wasm-simd-threaded.wasm"))).toBe(false);
    for (const file of ["worker.js", "model.graph"]) {
      const size = formatBytes(statSync(join(dir, "dist", "w", file)).size);
      expect(
        out.some((l) => l.trimStart().startsWith(file) && l.includes(` ${size}  (gzip `)),
        `${file} ${size}\n${r.stdout}`,
      ).toBe(true);
    }
    expect(r.stdout).toMatch(/wrangler: Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
    // wrangler wrote what it would upload, and nothing else moved.
    expect(existsSync(join(dir, "dist", "w.dry-run", "worker.js"))).toBe(true);
    expect(aliases(dir)).toEqual({ champion: "1.0.0" });
    expect(lastLog(dir)).toMatchObject({
      model: "titanic",
      version: "1.1.0",
      sha256: SHA,
      target: "worker",
      worker: "titanic-edge",
      dryRun: true,
      forced: false,
      reason: null,
      result: "dry-run",
      gate: "blessed",
      monitor: "skipped (dry run)",
      git: null,
    });
    expect(typeof lastLog(dir)["time"]).toBe("string");
    // One Worker name everywhere: the build folder's wrangler.toml says what deploy used.
    expect(readFileSync(join(dir, "dist", "w", "wrangler.toml"), "utf8")).toMatch(/^name = "titanic-edge"$/m);
  });

  it("--env staging: wrangler's environment, its own Worker name in the build and the log, output streamed as it comes", async () => {
    const chunks: string[] = [];
    const r = await deploy({
      root: dir,
      ref: "titanic@1.1.0",
      target: "worker",
      dryRun: true,
      environment: "staging",
      out: join(dir, "dist", "staging"),
      onOutput: (c) => void chunks.push(c),
    });
    expect(r).toMatchObject({ worker: "titanic-edge-staging", environment: "staging", routes: [] });
    expect(r.vars).toMatchObject({ EDGE_ML_MODEL: "titanic@1.1.0", EDGE_ML_DEPLOYMENT: "titanic-edge-staging", LOG_LEVEL: "info" });
    const toml = readFileSync(join(dir, "dist", "staging", "wrangler.toml"), "utf8");
    expect(toml.slice(toml.indexOf("[env.staging]"))).toMatch(/^name = "titanic-edge-staging"$/m);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toContain("--dry-run: exiting now.");
    expect(r.upload).toMatch(/^Total Upload: /);
    expect(lastLog(dir)).toMatchObject({ version: "1.1.0", worker: "titanic-edge-staging", environment: "staging", result: "dry-run" });
  });

  it("--force --reason deploys (dry run) an unvalidated version and records the reason", async () => {
    const refused = await runCli(["deploy", "titanic@1.2.0", "--dry-run"], dir);
    expect(refused.code).toBe(1);
    expect(lastLog(dir)).toMatchObject({ version: "1.2.0", result: "refused", forced: false });
    const r = await runCli(["deploy", "titanic@1.2.0", "--dry-run", "--force", "--reason", "hotfix for incident 42", "--out", "dist/forced"], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  gate     forced past: it has no validation result");
    expect(lastLog(dir)).toMatchObject({
      version: "1.2.0",
      result: "dry-run",
      forced: true,
      reason: "hotfix for incident 42",
      gate: "it has no validation result",
    });
    expect(aliases(dir)).toEqual({ champion: "1.0.0" });
  });
});
