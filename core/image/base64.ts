/**
 * Base64 to bytes without `atob`'s detour through a binary string (twice the memory for a large image).
 * Accepts the standard and the URL-safe alphabet, with or without `=` padding, line breaks and spaces (as `base64`
 * wraps its output at 76 columns), and a `data:...;base64,` prefix as a browser's `FileReader.readAsDataURL` writes it.
 *
 * @example
 * ```ts
 * base64ToBytes("iVBORw0KGgo="); // Uint8Array [137, 80, 78, 71, 13, 10, 26, 10]
 * ```
 */
import { EdgeMlError } from "../errors.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE[43] = DECODE[45] = 62; // "+" and "-"
DECODE[47] = DECODE[95] = 63; // "/" and "_"

/** Decode base64; `path` names the field in errors (e.g. `instances[0].photo.b64`). */
export function base64ToBytes(text: string, path = "b64"): Uint8Array {
  let start = 0;
  if (text.startsWith("data:")) {
    const comma = text.indexOf(",");
    if (comma < 0 || !text.slice(0, comma).endsWith(";base64")) throw bad(path, "a data: URL without ';base64,'");
    start = comma + 1;
  }
  let end = text.length;
  while (end > start && (text.charCodeAt(end - 1) === 61 || isSpace(text.charCodeAt(end - 1)))) end--; // trailing "="
  const out = new Uint8Array(Math.floor(((end - start) * 3) / 4));
  let chars = 0;
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) continue;
    chars++;
    const v = code < 128 ? (DECODE[code] as number) : -1;
    if (v < 0) throw bad(path, `character ${JSON.stringify(text[i])} at offset ${i} is not base64`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (chars % 4 === 1) throw bad(path, `${chars} base64 characters cannot encode whole bytes (truncated?)`);
  return o === out.length ? out : out.subarray(0, o);
}

const isSpace = (code: number) => code === 32 || code === 10 || code === 13 || code === 9;

function bad(path: string, message: string): EdgeMlError {
  return new EdgeMlError("ERR_BAD_INPUT", `${path}: ${message}`, {
    issues: [{ path, message }],
    hint: 'send the file\'s bytes as standard base64 in {"b64": "..."} (e.g. `base64 -w0 photo.jpg`)',
  });
}
