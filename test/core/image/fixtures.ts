// Reference outputs from Pillow 9.4 / torchvision 0.14, written by test/fixtures/image/make-image-fixtures.py.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toChannels } from "../../../core/image/channels.ts";
import { decodeImage } from "../../../core/image/decode.ts";
import type { Pixels } from "../../../core/image/pixels.ts";

const dir = fileURLToPath(new URL("../../fixtures/image/", import.meta.url));

interface Expected {
  decode: { source: string; mode: string; width: number; height: number; rgb: string }[];
  gray: { source: string; gray: string }[];
  resize: {
    source: string;
    mode: "RGB" | "L";
    size: [number, number];
    filter: "bilinear" | "nearest";
    box: [number, number, number, number] | null;
    pixels: string;
  }[];
  fit: {
    source: string;
    mode: "RGB" | "L";
    size: [number, number];
    filter: "bilinear" | "nearest";
    fit: "contain" | "cover";
    padValue: number;
    pixels: string;
  }[];
  crop: { source: string; size: [number, number]; pixels: string }[];
  pipeline: ({ source: string; shape: number[]; tensor: string } & Record<string, unknown>)[];
}

export const expected = JSON.parse(readFileSync(`${dir}expected.json`, "utf8")) as Expected;

export const sourceBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(`${dir}src/${name}`));

/** A source image as Pillow's convert(mode) sees it (decoded by our decoder: PNG sources decode exactly). */
export const source = (name: string, mode: "RGB" | "L" = "RGB"): Pixels => toChannels(decodeImage(sourceBytes(name)), mode === "L" ? "gray" : "rgb");

export const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, "base64"));
export const floats = (b64: string): Float32Array => {
  const b = bytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
};

/** Count of differing values and the largest difference, for messages that say how far off a case is. */
export function diff(a: ArrayLike<number>, b: ArrayLike<number>): { count: number; max: number } {
  let count = 0;
  let max = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = Math.abs((a[i] ?? Number.NaN) - (b[i] ?? Number.NaN));
    if (!(d === 0)) count++;
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return { count, max };
}
