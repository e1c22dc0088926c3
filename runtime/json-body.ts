/**
 * The one way the edge app reads a JSON body: Content-Type first (415), then the size limit (413, see body.ts), then
 * the parse (400 INVALID_JSON). Hono's validator would parse before the limit is known to hold.
 */
import type { Context } from "hono";
import { discardBody, type Hint, readBodyText } from "./body.ts";
import { HttpError } from "./http-error.ts";
import type { EdgeSettings } from "./settings.ts";

export const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** What the 415 suggests on routes that also take the KServe V2 binary tensor extension. */
export const BINARY_415_HINT =
  "send the body as JSON with the header Content-Type: application/json, or as binary tensors (KServe V2 binary tensor extension) with the header Inference-Header-Content-Length";

/**
 * Read and parse the JSON body. `tooLargeHint` says how to get under `settings.maxBodyBytes` (built only on a 413).
 *
 * @example
 * ```ts
 * const body = await readJson(c, settings, () => "send fewer instances");
 * ```
 */
export async function readJson(c: Context, settings: EdgeSettings, tooLargeHint: Hint, unsupportedHint?: string): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    // Read (and drop) the body before answering: a 415 sent while the client is still sending lets workerd reset the
    // connection, and fetch-based clients then see "fetch failed" instead of the 415 (seen under load in CI).
    await discardBody(c.req.raw, settings.maxBodyBytes);
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `expected Content-Type application/json, got ${type === "" ? "none" : JSON.stringify(type)}`, {
      hint: unsupportedHint ?? "send the body as JSON with the header Content-Type: application/json",
    });
  }
  const text = await readBodyText(c.req.raw, settings.maxBodyBytes, tooLargeHint);
  if (text.trim() === "") throw new HttpError(400, "INVALID_JSON", "request body is empty", { hint: 'send {"instances": [...]}' });
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, "INVALID_JSON", `request body is not valid JSON: ${(err as Error).message}`, {
      hint: "check the JSON syntax (quotes, commas, brackets)",
    });
  }
}
