/**
 * Reading a KServe V2 infer body that uses the binary tensor extension (core/v2-binary.ts): the JSON header's length
 * comes from `Inference-Header-Content-Length` (Triton's and KServe's clients) or from SageMaker's
 * `application/vnd.sagemaker-triton.binary+json;json-header-size=N`. A body without either is plain JSON (json-body.ts).
 *
 * @example
 * ```ts
 * const headerLength = binaryHeaderLength(c);
 * const { header, binary } = await readBinaryBody(c, settings, headerLength!, hint);
 * ```
 */
import type { Context } from "hono";
import { HEADER_LENGTH, splitBinaryBody } from "../core/v2-binary.ts";
import { discardBody, type Hint, readBodyBytes } from "./body.ts";
import { HttpError } from "./http-error.ts";
import { JSON_TYPE } from "./json-body.ts";
import type { EdgeSettings } from "./settings.ts";

const SAGEMAKER = /^application\/vnd\.sagemaker-triton\.binary\+json\s*;.*?json-header-size\s*=\s*([^;\s]*)/i;
const OCTET_STREAM = /^application\/octet-stream\s*(?:;|$)/i;

/** The raw JSON header length when the request uses the binary extension; undefined for plain JSON. */
export function binaryHeaderLength(c: Context): string | undefined {
  const header = c.req.header(HEADER_LENGTH);
  if (header !== undefined) return header;
  const type = c.req.header("content-type");
  // Checked only for SageMaker's type, so a plain JSON request pays one prefix test.
  return type?.startsWith("application/vnd.sagemaker") ? SAGEMAKER.exec(type)?.[1] : undefined;
}

/**
 * Read the body (413 over the limit) and split it into the parsed JSON header and the binary section (400 when the
 * length or the JSON is wrong). Content-Type may be application/octet-stream, any JSON type, or absent (Triton's
 * Python client sends none).
 */
export async function readBinaryBody(
  c: Context,
  settings: EdgeSettings,
  headerLength: string,
  tooLargeHint: Hint,
): Promise<{ header: unknown; binary: Uint8Array }> {
  const type = c.req.header("content-type");
  if (type !== undefined && type !== "" && !OCTET_STREAM.test(type) && !JSON_TYPE.test(type)) {
    await discardBody(c.req.raw, settings.maxBodyBytes);
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `expected Content-Type application/octet-stream with ${HEADER_LENGTH}, got ${JSON.stringify(type)}`, {
      hint: "send binary tensors as application/octet-stream (or application/json) after a JSON header of Inference-Header-Content-Length bytes",
    });
  }
  const bytes = await readBodyBytes(c.req.raw, settings.maxBodyBytes, tooLargeHint);
  const split = splitBinaryBody(bytes, headerLength);
  if (split.ok) return split;
  const first = split.issues[0]!;
  throw new HttpError(400, split.invalidJson ? "INVALID_JSON" : "INVALID_INPUT", `invalid binary request: ${first.path}: ${first.message}`, {
    issues: split.issues,
    hint: `${HEADER_LENGTH} is the length in bytes of the JSON header at the start of the body; the tensors' bytes follow it`,
  });
}
