/** The config: new keys parse with defaults, and bad ones are errors naming the key path and what is allowed. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { gatesFor, loadConfig, parseConfig } from "../../../cli/project/config.ts";
import { runCli } from "../../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

describe("config", () => {
  it("fills defaults and keeps edge/dev working", () => {
    const c = parseConfig({ edge: { maxBatch: 64 }, targets: { worker: { name: "titanic" } }, telemetry: { endpoint: "https://m.example.com" } });
    expect(c.edge).toEqual({ maxBatch: 64 });
    expect(c.dev).toEqual({ port: 8787 });
    expect(c.targets.worker).toEqual({ name: "titanic", routes: [], vars: {}, env: {} });
    expect(c.telemetry).toEqual({ endpoint: "https://m.example.com", sampleRate: 0.01, redact: [] });
    expect(c.gates).toEqual({});
    expect(c.models).toEqual({});
  });

  it("per-model gates replace the defaults list by list", () => {
    const c = parseConfig({
      gates: { absolute: [{ metric: "roc_auc", min: 0.8 }], relative: [{ metric: "roc_auc", maxDrop: 0.02 }] },
      models: { titanic: { gates: { absolute: [{ metric: "accuracy", min: 0.7, slices: true }] } } },
    });
    const g = gatesFor(c, "titanic");
    expect(g.absolute).toEqual([{ metric: "accuracy", min: 0.7, slices: true, minRows: 30 }]);
    expect(g.relative).toEqual([{ metric: "roc_auc", maxDrop: 0.02, slices: true, minRows: 30 }]);
    expect(g.source).toEqual({ absolute: "models.titanic.gates", relative: "gates" });
    expect(gatesFor(c, "other").absolute).toEqual([{ metric: "roc_auc", min: 0.8, slices: false, minRows: 30 }]);
  });

  it("names every bad key path and what is allowed", () => {
    let error: unknown;
    try {
      parseConfig(
        {
          gates: { absolute: [{ metric: "auc", min: 0.8 }, { metric: "roc_auc" }], relative: [{ metric: "roc_auc", maxDrop: -1 }] },
          targets: { worker: { nam: "x", vars: { "bad-name": "1" } } },
          telemetry: { endpoint: "monitor.local", sampleRate: 2 },
          models: { titanic: { slice: ["sex"] } },
          monitr: {},
        },
        "edge-ml.config.ts",
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EdgeMlError);
    expect((error as EdgeMlError).issues.map((i) => `• ${i.path}: ${i.message}`).join("\n")).toMatchInlineSnapshot(`
      "• models.titanic: unknown key "slice" (allowed: label, slices, gates, optimize, rollout)
      • targets.worker.vars.bad-name: a var name is letters, digits and '_', not starting with a digit
      • targets.worker: unknown key "nam" (allowed: name, routes, vars, features, env)
      • telemetry.endpoint: expected an http(s) URL, e.g. https://monitor.example.com
      • telemetry.sampleRate: Too big: expected number to be <=1
      • gates.absolute[0].metric: "auc" is not a metric (Should be one of: accuracy, precision, recall, f1, roc_auc, log_loss, macro_f1, mae, rmse)
      • gates.absolute[1]: give min, max or both
      • gates.relative[0].maxDrop: Too small: expected number to be >=0
      • (root): unknown key "monitr" (allowed: edge, dev, models, targets, telemetry, gates, optimize, featureViews)"
    `);
  });

  it("the CLI prints a bad edge-ml.config.ts as `• path: message` with a hint", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "edge-ml.config.ts"), `export default { gates: { absolute: [{ metric: "roc_auc", minimum: 0.8 }] } };\n`);
    const r = await runCli(["validate", "titanic@1.0.0", "--data", "x.csv"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.replaceAll(dir, "<dir>")).toMatchInlineSnapshot(`
      "✖ edge-ml.config.ts is not a valid edge-ml config (<dir>/edge-ml.config.ts)
        • gates.absolute[0]: unknown key "minimum" (allowed: metric, min, max, slices, minRows)
        • gates.absolute[0]: give min, max or both
        hint: top-level keys: edge, dev, models, targets, telemetry, gates, optimize, featureViews; the commented example is templates/init/edge-ml.config.ts (\`npx edge-ml init\` writes it)"
    `);
  });

  it("the init template's example config is valid as written and with every commented example switched on", async () => {
    const template = readFileSync(join(REPO_ROOT, "templates", "init", "edge-ml.config.ts"), "utf8").replaceAll("{{name}}", "my-project");
    const dir = tempDir();
    writeFileSync(join(dir, "edge-ml.config.ts"), template);
    expect((await loadConfig(dir)).edge.maxBatch).toBe(256);
    // Indented `// ` lines are the commented examples (the prose comments start at column 0 or use /** */).
    writeFileSync(join(dir, "edge-ml.config.ts"), template.replace(/^(\s+)\/\/ ?/gm, "$1"));
    const c = await loadConfig(dir);
    expect(c.gates.absolute?.map((g) => g.metric)).toEqual(["roc_auc", "accuracy"]);
    expect(c.models["titanic"]?.slices).toEqual(["passengerClass", "sex"]);
    expect(c.targets.worker?.routes).toEqual(["example.com/titanic/*"]);
    expect(c.targets.worker?.name).toBe("my-project");
    expect(c.telemetry?.sampleRate).toBe(0.01);
  });
});
