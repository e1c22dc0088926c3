/**
 * The one HTTP error vocabulary of edge-ml, shared by the edge app (runtime/) and the monitor (monitor/): every code
 * with its status and the condition it names (one code per condition, e.g. `INVALID_JSON` for a body that is not
 * JSON on either server), and the one renderer of `{error: {code, message, issues?, hint?}}`.
 *
 * @example
 * ```ts
 * throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "expected application/json", { hint: "send Content-Type: application/json" });
 * ```
 */
import type { Issue } from "./errors.ts";
import { capIssues } from "./issues.ts";

/** Every code either server answers with, its status, and when. Clients may switch on `code`; it never changes meaning. */
export const HTTP_ERROR_CODES = {
  INVALID_JSON: { status: 400, when: "the body is empty or not valid JSON" },
  INVALID_INPUT: { status: 400, when: "edge: a request field is invalid (every bad field is listed with its path)" },
  USE_V2_INFER: { status: 400, when: "edge: :predict on a model with several inputs" },
  INVALID_BATCH: { status: 400, when: "monitor: a telemetry batch does not match the protocol" },
  INVALID_BODY: { status: 400, when: "monitor: a JSON body does not match its route's schema" },
  INVALID_FEEDBACK: { status: 400, when: "monitor: a label (feedback) body is invalid" },
  INVALID_QUERY: { status: 400, when: "monitor: a query parameter is missing or invalid" },
  INVALID_RULE: { status: 400, when: "monitor: an alert rule is invalid" },
  UNAUTHORIZED: { status: 401, when: "monitor: no or unknown bearer token" },
  FORBIDDEN: { status: 403, when: "monitor: the token belongs to another deployment or lacks the role" },
  NOT_FOUND: { status: 404, when: "no such route or resource" },
  MODEL_NOT_FOUND: { status: 404, when: "edge: the request names a model (or version) this deployment does not serve" },
  NO_BASELINE: { status: 404, when: "monitor: the deployment has no registered baseline" },
  METHOD_NOT_ALLOWED: { status: 405, when: "the route exists for other methods" },
  PAYLOAD_TOO_LARGE: { status: 413, when: "the body is over the size limit" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, when: "the body is not application/json" },
  UNPROCESSABLE_TENSOR: { status: 422, when: "edge: well-formed tensors the model cannot use" },
  FEATURE_NOT_FOUND: { status: 422, when: "edge: a feature view holds no (unexpired) value for a key, and the feature is not nullable" },
  INTERNAL: { status: 500, when: "a bug: never for bad input" },
  MODEL_UNAVAILABLE: { status: 503, when: "edge: the model could not be loaded (integrity check, engine)" },
  NOT_READY: { status: 503, when: "edge: readiness probe before the model loaded" },
  FEATURE_STORE_UNAVAILABLE: { status: 503, when: "edge: a feature view's store could not be read (binding missing, store down)" },
} as const satisfies Record<string, { status: number; when: string }>;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;
export type HttpErrorStatus = (typeof HTTP_ERROR_CODES)[HttpErrorCode]["status"];

export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string; issues?: Issue[]; hint?: string };
}

/** Render the error shape; the issue list is capped here too, so no response carries an unbounded list. */
export function renderHttpError(code: HttpErrorCode, message: string, extra: { issues?: readonly Issue[]; hint?: string } = {}): HttpErrorBody {
  return {
    error: {
      code,
      message,
      ...(extra.issues && extra.issues.length > 0 ? { issues: capIssues(extra.issues) } : {}),
      ...(extra.hint ? { hint: extra.hint } : {}),
    },
  };
}

/** An error that becomes an HTTP response; each server subclasses it only to narrow what it answers. */
export class ApiError extends Error {
  override readonly name: string = "ApiError";
  constructor(
    readonly status: HttpErrorStatus,
    readonly code: HttpErrorCode,
    message: string,
    readonly extra: { issues?: Issue[]; hint?: string } = {},
  ) {
    super(message);
  }

  toJSON(): HttpErrorBody {
    return renderHttpError(this.code, this.message, this.extra);
  }
}
