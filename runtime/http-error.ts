/**
 * The edge app's HTTP error: core's `ApiError` (codes and renderer in core/http-error.ts) plus the telemetry error
 * class its status counts as.
 *
 * @example
 * ```ts
 * throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "expected application/json", { hint: "send Content-Type: application/json" });
 * ```
 */
import { ApiError } from "../core/http-error.ts";
import type { ErrorClass } from "../core/schema/telemetry.ts";

export type { ErrorClass } from "../core/schema/telemetry.ts";

export class HttpError extends ApiError {
  override readonly name = "HttpError";

  get errorClass(): ErrorClass {
    return errorClassOf(this.status);
  }
}

/** The telemetry error class of a status (the monitor counts errors by class). */
function errorClassOf(status: number): ErrorClass {
  if (status === 413) return "too_large";
  if (status === 415) return "unsupported_media";
  if (status === 422) return "unprocessable";
  if (status === 404 || status === 405) return "not_found";
  if (status === 503) return "unavailable";
  if (status >= 500) return "internal";
  return "bad_request";
}
