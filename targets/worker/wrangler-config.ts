/** The wrangler.toml written beside a built Worker. */
import type { Manifest } from "../../core/schema/manifest.ts";

/** workerd's compatibility date the runtime is tested against (the pinned miniflare's workerd). */
export const COMPATIBILITY_DATE = "2026-04-26";

export function renderWranglerToml(opts: { name: string; main: string; manifest: Manifest }): string {
  const { manifest } = opts;
  return `# Written by \`edge-ml build\` for ${manifest.name}@${manifest.version}. Deploy with \`npx wrangler deploy\` from this folder.
name = "${opts.name}"
main = "${opts.main}"
compatibility_date = "${COMPATIBILITY_DATE}"
# edge-ml already bundled worker.js with esbuild; wrangler uploads the files as they are.
no_bundle = true
find_additional_modules = true
base_dir = "."

[[rules]]
type = "Data"
globs = ["**/*.onnx"]
fallthrough = false

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
fallthrough = false

[vars]
EDGE_ML_MODEL = "${manifest.name}@${manifest.version}"
# Telemetry: set EDGE_ML_MONITOR_URL here and the token as a secret: \`npx wrangler secret put EDGE_ML_MONITOR_TOKEN\`.
EDGE_ML_MONITOR_URL = ""
EDGE_ML_SAMPLE_RATE = "0.01"
`;
}
