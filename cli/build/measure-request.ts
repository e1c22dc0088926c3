/**
 * The one real request `measureWorker` times: a valid example built from what the served Worker says about itself
 * (`GET /v2/models/<name>`, so a build is measured without its project). Feature models get one instance of their
 * feature schema through `POST /v1/models/<name>:predict` (the dev server's example: first category, mid-range
 * number); tensor models get a KServe V2 infer of zeros with every symbolic dimension 1.
 *
 * @example
 * ```ts
 * const { path, body } = exampleRequest(await (await fetch(`${url}v2/models/titanic`)).json());
 * await fetch(new URL(path, url), { method: "POST", headers: { "content-type": "application/json" }, body });
 * ```
 */
import { exampleInstance } from "../../core/example-request.ts";
import type { Manifest } from "../../core/schema/manifest.ts";

/** The slice of the V2 model metadata (runtime/metadata.ts) a request is built from. */
export interface ServedModel {
  name: string;
  features: Manifest["features"] | null;
  inputs: { name: string; datatype: string; shape: number[] }[];
}

export function exampleRequest(model: ServedModel): { path: string; body: string } {
  if (model.features) {
    // exampleInstance reads only the feature schema of a feature model.
    const instance = exampleInstance({ features: model.features } as Pick<Manifest, "features"> as Manifest);
    return { path: `v1/models/${model.name}:predict`, body: JSON.stringify({ instances: [instance] }) };
  }
  const inputs = model.inputs.map((t) => {
    const shape = t.shape.map((d) => (d < 0 ? 1 : d));
    const size = shape.reduce((a, d) => a * d, 1);
    return { name: t.name, datatype: t.datatype, shape, data: Array.from({ length: size }, () => (t.datatype === "BOOL" ? false : 0)) };
  });
  return { path: `v2/models/${model.name}/infer`, body: JSON.stringify({ inputs }) };
}
