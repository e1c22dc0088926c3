/**
 * The one HTTP error type of the edge app: rendered as `{error: {code, message, issues?, hint?}}` with its status.
 *
 * @example
 * ```ts
 * throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "expected application/json", { hint: "send Content-Type: application/json" });
 * ```
 */
import type { Issue } from "../core/errors.ts";

export type ErrorClass = "bad_request" | "too_large" | "unsupported_media" | "unprocessable" | "not_found" | "unavailable" | "internal";

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: 400 | 404 | 405 | 413 | 415 | 422 | 500 | 503,
    readonly code: string,
    message: string,
    readonly extra: { issues?: Issue[]; hint?: string } = {},
  ) {
    super(message);
  }

  get errorClass(): ErrorClass {
    switch (this.status) {
      case 413:
        return "too_large";
      case 415:
        return "unsupported_media";
      case 422:
        return "unprocessable";
      case 404:
      case 405:
        return "not_found";
      case 503:
        return "unavailable";
      case 500:
        return "internal";
      default:
        return "bad_request";
    }
  }

  toJSON(): { error: { code: string; message: string; issues?: Issue[]; hint?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.extra.issues && this.extra.issues.length > 0 ? { issues: this.extra.issues } : {}),
        ...(this.extra.hint ? { hint: this.extra.hint } : {}),
      },
    };
  }
}
