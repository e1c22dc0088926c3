/**
 * The monitor's HTTP error: core's `ApiError` (one vocabulary of codes and one renderer with the edge app, see
 * core/http-error.ts), narrowed to the statuses the monitor answers with.
 *
 * @example
 * ```ts
 * throw new MonitorError(401, "UNAUTHORIZED", "missing bearer token", { hint: "send Authorization: Bearer <token>" });
 * ```
 */
import { ApiError, type HttpErrorCode } from "../core/http-error.ts";
import type { Issue } from "../core/errors.ts";

export type MonitorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 500;

export class MonitorError extends ApiError {
  override readonly name = "MonitorError";
  declare readonly status: MonitorStatus;
  constructor(status: MonitorStatus, code: HttpErrorCode, message: string, extra: { issues?: Issue[]; hint?: string } = {}) {
    super(status, code, message, extra);
  }
}
