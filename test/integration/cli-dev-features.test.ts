/**
 * The issue 16 done-when as a new user runs it, with real processes: `edge-ml init`, a `passenger` view keyed by
 * `passenger_id` in edge-ml.config.ts, `models add` of the Titanic ONNX with sex and passengerClass `from` the view,
 * `features push` of examples/feature-lookup/passengers.csv, then `edge-ml dev` answering requests that carry only the
 * id (and age) with exactly the predictions it gives when the values are sent inline.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { spawnCli } from "../helpers/process.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const TITANIC = join(REPO_ROOT, "examples", "titanic", "out");
const EXAMPLE = join(REPO_ROOT, "examples", "feature-lookup");

describe("edge-ml dev with looked-up features", () => {
  it("serves predictions by passenger id equal to the inline ones, from the values features push wrote", async () => {
    const base = tempDir();
    expect((await runCli(["init", "demo"], base)).code).toBe(0);
    const project = join(base, "demo");
    writeFileSync(
      join(project, "edge-ml.config.ts"),
      `export default {\n  featureViews: {\n    passenger: { key: "passenger_id", features: ["sex", "passengerClass"], timestamp: "updated_at", store: "kv" },\n  },\n};\n`,
    );
    const add = await runCli(
      [
        "models",
        "add",
        join(TITANIC, "model.onnx"),
        "--name",
        "titanic-lookup",
        "--version",
        "1.0.0",
        "--features",
        join(EXAMPLE, "features.json"),
        "--preprocess",
        join(TITANIC, "preprocess.json"),
        "--postprocess",
        join(TITANIC, "postprocess.json"),
      ],
      project,
    );
    expect(add.code, add.stderr).toBe(0);
    const push = await runCli(["features", "push", "passenger", join(EXAMPLE, "passengers.csv")], project);
    expect(push.code, push.stderr).toBe(0);

    const dev = spawnCli(["dev", "titanic-lookup@1.0.0", "--port", "0", "--no-monitor"], project);
    onTestFinished(() => {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    expect(dev.stdout()).toContain('features sex, passengerClass looked up in view "passenger" (kv) by passenger_id');
    const url = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())?.[1];
    expect(dev.stdout()).toContain(
      `by key: curl -s ${url}v1/models/titanic-lookup:predict -H 'content-type: application/json' -d '{"instances":[{"passenger_id":"<passenger_id>","age":60}]}'`,
    );
    const predict = async (body: unknown) => {
      const res = await fetch(`${url}v1/models/titanic-lookup:predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { predictions?: unknown[]; error?: { code: string } } };
    };
    const requests = readFileSync(join(EXAMPLE, "requests.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { byId: unknown; inline: unknown });
    for (const r of requests) {
      const [byId, inline] = [await predict(r.byId), await predict(r.inline)];
      expect(byId.status).toBe(200);
      expect(byId.body.predictions).toEqual(inline.body.predictions);
    }
    // A male 3rd-class passenger (row 1300) answers differently from the 1st-class women above: the lookup decides.
    const third = await predict({ instances: [{ passenger_id: 1300, age: 30 }] });
    const first = await predict({ instances: [{ passenger_id: 1, age: 30 }] });
    expect(third.body.predictions).not.toEqual(first.body.predictions);
    expect((await predict({ instances: [{ passenger_id: 5000, age: 30 }] })).body.error?.code).toBe("FEATURE_NOT_FOUND");

    dev.child.kill("SIGINT");
    expect([0, 130, "SIGINT"]).toContain(await dev.exited);
  });
});
