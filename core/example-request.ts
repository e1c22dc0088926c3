/** A valid example request body for a model, for the dev server's printed curl and the docs. */
import type { Manifest } from "./schema/manifest.ts";

export function exampleInstance(manifest: Manifest): unknown {
  if (manifest.features) {
    const out: Record<string, unknown> = {};
    for (const f of manifest.features) {
      if (f.type === "category") out[f.name] = f.values?.[0] ?? "a";
      else if (f.type === "boolean") out[f.name] = true;
      else if (f.type === "string") out[f.name] = "text";
      else {
        const { min, max } = f.range ?? {};
        const mid = min !== undefined && max !== undefined ? (min + max) / 2 : (min ?? max ?? 0);
        out[f.name] = f.type === "integer" ? Math.round(mid) : Math.round(mid * 100) / 100;
      }
    }
    return out;
  }
  const input = manifest.io.inputs[0];
  const zeros = (dims: readonly (number | string | null)[]): unknown =>
    dims.length === 0 ? (input?.dtype === "bool" ? false : 0) : Array.from({ length: typeof dims[0] === "number" ? dims[0] : 1 }, () => zeros(dims.slice(1)));
  return zeros(input?.shape.slice(1) ?? []);
}

export function exampleCurl(url: string, manifest: Manifest): string {
  const body = JSON.stringify({ instances: [exampleInstance(manifest)] });
  return `curl -s ${url}v1/models/${manifest.name}:predict -H 'content-type: application/json' -d '${body}'`;
}
