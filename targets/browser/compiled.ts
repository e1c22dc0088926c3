/**
 * In-page inference with the compiled engine: the compiled graph (`model.graph`, written by `edge-ml build --engine
 * compiled --target browser`) is fetched, checked against the sha256 the build baked in, and run as plain JavaScript.
 * No wasm is fetched, nothing waits for a GPU adapter.
 *
 * @example
 * ```ts
 * const model = await loadCompiledModel({ manifest, baseUrl: "/models/titanic/", graphSha256 });
 * const { predictions } = await model.predict([{ sex: "female", age: 29, passengerClass: "1st" }]);
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TelemetrySettings } from "../../runtime/adapter.ts";
import { createCompiledEngine } from "../../runtime/engines/compiled/engine.ts";
import { verifySha256 } from "../../runtime/integrity.ts";
import { openPageFeatures, type PageFeatureOptions } from "./features.ts";
import { type BrowserModel, browserModel } from "./model.ts";

export type { BrowserModel };
export type { PageFeatureOptions, PageFeatureRecord, PageFeatureStore, PageFeatureStores } from "./features.ts";

export interface CompiledBrowserModelOptions extends PageFeatureOptions {
  manifest: Manifest;
  /** Folder URL of the build (model.graph sits there), or give `graphUrl`. */
  baseUrl?: string;
  graphUrl?: string | URL;
  /** The graph's sha256 (build.json `engine.compiled.sha256`). */
  graphSha256: string;
  maxBatch?: number;
  telemetry?: TelemetrySettings;
}

export async function loadCompiledModel(opts: CompiledBrowserModelOptions): Promise<BrowserModel> {
  const lookup = openPageFeatures(opts);
  lookup.catch(() => {});
  const page = (globalThis as unknown as { location?: { href: string } }).location?.href;
  const url = opts.graphUrl ?? (opts.baseUrl === undefined ? undefined : new URL("model.graph", new URL(opts.baseUrl, page)));
  if (url === undefined)
    throw new Error("loadCompiledModel needs graphUrl (the compiled graph's URL) or baseUrl (a folder written by `edge-ml build --target browser`)");
  const href = new URL(url, page).href;
  const response = await fetch(href);
  if (!response.ok) throw new Error(`cannot fetch the compiled model from ${href}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  await verifySha256(bytes, opts.graphSha256, `compiled model ${opts.manifest.name}@${opts.manifest.version}`);
  const session = await createCompiledEngine().createSession(bytes);
  return browserModel({ manifest: opts.manifest, lookup: await lookup, session, device: "js", maxBatch: opts.maxBatch, telemetry: opts.telemetry });
}
