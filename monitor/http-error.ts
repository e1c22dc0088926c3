/**
 * The monitor's one HTTP error type, rendered as `{error: {code, message, issues?, hint?}}` (the edge app's shape).
 *
 * @example
 * ```ts
 * throw new MonitorError(401, "UNAUTHORIZED", "missing bearer token", { hint: "send Authorization: Bearer <token>" });
 * ```
 */
import type { Issue } from "../core/errors.ts";

export type MonitorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 500;

export class MonitorError extends Error {
  override readonly name = "MonitorError";
  constructor(
    readonly status: MonitorStatus,
    readonly code: string,
    message: string,
    readonly extra: { issues?: Issue[]; hint?: string } = {},
  ) {
    super(message);
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
