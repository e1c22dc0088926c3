/**
 * Read a request body (text, or bytes for the binary tensor extension) under a byte limit, and refuse an oversized
 * one so that the client can read the 413. (hono/body-limit wraps every body in a new stream, which cost ~100 µs a
 * request in workerd: measured in bench/.)
 *
 * An oversized body is read and dropped, up to `drainBound(limit)`, before the 413 goes out: workerd resets the
 * connection when a Worker answers while the client is still uploading, and fetch clients (undici) then throw
 * "fetch failed" (ECONNRESET) instead of showing the 413. Measured with Node's fetch uploading 6 MB and 50 MB to
 * miniflare 4: answering at once or with `Connection: close` reset the connection in 8 of 12 tries, draining first
 * gave the 413 every time (6 MB in ~0.1 s, 50 MB in ~0.8 s); @hono/node-server delivered the 413 either way. Past the
 * bound the 413 is sent at once: a client cannot make the edge read without end.
 */
import { HttpError } from "./http-error.ts";

const MIB = 1024 * 1024;

/** How much of an oversized body is read and dropped before answering: 4x the limit, at least 64 MiB. */
export const drainBound = (maxBytes: number): number => Math.max(4 * maxBytes, 64 * MIB);

/** A hint may be built only when needed: the common path never pays for the string. */
export type Hint = string | (() => string);

const showBytes = (n: number): string => (n >= MIB ? `${n} bytes (${(n / MIB).toFixed(n % MIB === 0 ? 0 : 1)} MiB)` : `${n} bytes`);

function tooLarge(maxBytes: number, hint: Hint, size?: number): HttpError {
  const what = size === undefined ? "request body is" : `request body of ${size} bytes is`;
  return new HttpError(413, "PAYLOAD_TOO_LARGE", `${what} over the limit of ${showBytes(maxBytes)}`, { hint: typeof hint === "string" ? hint : hint() });
}

/** Read and drop what is left of a stream, up to `budget` bytes; cancel it past that. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  let left = budget;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
      if (left < 0) return void (await reader.cancel());
    }
  } catch {
    // The client went away: nothing left to protect.
  }
}

/** Read and drop a whole body (bounded), e.g. before a 415: see the module comment. */
export async function discardBody(request: Request, maxBytes: number): Promise<void> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > drainBound(maxBytes) || request.body === null) return;
  await drain(request.body.getReader(), drainBound(maxBytes));
}

/** Refuse a declared Content-Length over the limit, after draining the body (bounded). */
async function refuse(request: Request, declared: number, maxBytes: number, hint: Hint): Promise<never> {
  await discardBody(request, maxBytes);
  throw tooLarge(maxBytes, hint, declared);
}

/** Read a body without Content-Length (chunked) chunk by chunk, stopping once past the limit. */
async function readChunks(request: Request, maxBytes: number, hint: Hint): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const body = request.body;
  if (body === null) return chunks;
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    size += value.byteLength;
    if (size > maxBytes) {
      // An oversize body never sits in memory whole: the rest is dropped as it arrives.
      await drain(reader, drainBound(maxBytes) - size);
      throw tooLarge(maxBytes, hint);
    }
    chunks.push(value);
  }
}

/**
 * The body as text, at most `maxBytes` bytes (413 above, with `hint`).
 *
 * @example
 * ```ts
 * const text = await readBodyText(request, 1 << 20, "send fewer instances");
 * ```
 */
export async function readBodyText(request: Request, maxBytes: number, hint: Hint): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) await refuse(request, Number(declared), maxBytes, hint);
    // No `request.body` first: in workerd that getter wraps the body in a stream object on every request.
    const text = await request.text();
    // Content-Length counts bytes; a string's length never exceeds its UTF-8 byte count.
    if (text.length > maxBytes) throw tooLarge(maxBytes, hint);
    return text;
  }
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of await readChunks(request, maxBytes, hint)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * The body as bytes, at most `maxBytes` (413 above, with `hint`): one buffer, so tensors can be views on it.
 *
 * @example
 * ```ts
 * const bytes = await readBodyBytes(request, 32 << 20, "send the tensors as binary");
 * ```
 */
export async function readBodyBytes(request: Request, maxBytes: number, hint: Hint): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) await refuse(request, Number(declared), maxBytes, hint);
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes, hint, bytes.byteLength);
    return bytes;
  }
  const chunks = await readChunks(request, maxBytes, hint);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}
