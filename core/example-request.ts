/** A valid example request body for a model, for the dev server's printed curl and the docs. */
import type { Manifest } from "./schema/manifest.ts";

/** A 2×2 gray PNG: the smallest valid image request (the image step resizes it like any other). */
const GRAY_PNG_2X2 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNsaGhgYGBgYmBgYGBgAAASKgGEzwCOrgAAAABJRU5ErkJggg==";

/** 10 ms of silence as a 16 kHz, 16-bit mono WAV, base64. */
function silentWav(): string {
  const samples = 160;
  const bytes = new Uint8Array(44 + samples * 2);
  const v = new DataView(bytes.buffer);
  const tag = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) bytes[at + i] = s.charCodeAt(i);
  };
  tag(0, "RIFF");
  v.setUint32(4, 36 + samples * 2, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, 16000, true);
  v.setUint32(28, 32000, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  tag(36, "data");
  v.setUint32(40, samples * 2, true);
  return btoa(String.fromCharCode(...bytes));
}

export function exampleInstance(manifest: Manifest): unknown {
  if (manifest.features) {
    const out: Record<string, unknown> = {};
    for (const f of manifest.features) {
      if (f.type === "category") out[f.name] = f.values?.[0] ?? "a";
      else if (f.type === "boolean") out[f.name] = true;
      else if (f.type === "string") out[f.name] = "text";
      else if (f.type === "datetime") out[f.name] = "2024-01-15T08:30:00Z";
      else if (f.type === "image") out[f.name] = { b64: GRAY_PNG_2X2 };
      else if (f.type === "audio") out[f.name] = { b64: silentWav() };
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

/**
 * A curl of `:predict` with one example instance, the body inline; `bodyFile` instead names a file holding the body
 * (`-d @file`), for a body too long to print (an image tensor of zeros is megabytes of JSON).
 */
export function exampleCurl(url: string, manifest: Manifest, bodyFile?: string): string {
  const data = bodyFile === undefined ? `'${exampleBody(manifest)}'` : `@${bodyFile}`;
  return `curl -s ${url}v1/models/${manifest.name}:predict -H 'content-type: application/json' -d ${data}`;
}

/** The example request's JSON body: `{"instances":[<exampleInstance>]}`. */
export const exampleBody = (manifest: Manifest): string => JSON.stringify({ instances: [exampleInstance(manifest)] });
