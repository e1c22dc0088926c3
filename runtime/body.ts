/**
 * Read a request body as text under a byte limit. A declared Content-Length over the limit is refused before reading
 * anything; a body without one (chunked) is read chunk by chunk and abandoned as soon as it passes the limit, so an
 * oversize body never sits in memory whole. (hono/body-limit wraps every body in a new stream, which cost ~100 µs a
 * request in workerd: measured in bench/.)
 */
import { HttpError } from "./http-error.ts";

export async function readBodyText(request: Request, maxBytes: number, hint: string): Promise<string> {
  const tooLarge = () => new HttpError(413, "PAYLOAD_TOO_LARGE", `request body is over the limit of ${maxBytes} bytes`, { hint });
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  if (declared !== null) {
    // No `request.body` first: in workerd that getter wraps the body in a stream object on every request.
    const text = await request.text();
    // Content-Length counts bytes; a string's length never exceeds its UTF-8 byte count.
    if (text.length > maxBytes) throw tooLarge();
    return text;
  }
  const body = request.body;
  if (body === null) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
