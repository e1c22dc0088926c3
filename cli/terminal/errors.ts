/**
 * Exit codes and the usage error. 0: done; 1: a user error, or a check that ran and failed (validation, anomalies);
 * 2: the command line itself is wrong (unknown command or flag, a missing or malformed argument), so scripts can tell
 * "you called me wrong" from "your data is wrong"; 70: an internal error (a bug or a broken environment, printed with
 * its stack), as sysexits' EX_SOFTWARE.
 *
 * @example
 * ```ts
 * throw new UsageError("--bins 1 is not a bin count", { hint: "use a whole number from 2 to 1000" });
 * ```
 */
import { EdgeMlError, type EdgeMlErrorOptions } from "../../core/errors.ts";

export const EXIT = { ok: 0, user: 1, usage: 2, internal: 70 } as const;

/** A wrong command line: printed without a stack, exit code 2. Domain code keeps throwing EdgeMlError (exit 1). */
export class UsageError extends EdgeMlError {
  constructor(message: string, options: EdgeMlErrorOptions = {}) {
    super("ERR_USAGE", message, options);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof EdgeMlError && error.isUserError) return EXIT.user;
  return EXIT.internal;
}
