/**
 * The error every media decoder and transform throws for bad input: a user error (`ERR_BAD_INPUT`), so the edge app
 * answers 400 with the message instead of 500, and the predictor reports it like any other invalid field.
 *
 * @example
 * ```ts
 * throw new MediaError("not a PNG or JPEG (first bytes 47 49 46 38: a GIF?)", "send PNG or JPEG bytes");
 * ```
 */
import { EdgeMlError } from "../errors.ts";

export class MediaError extends EdgeMlError {
  /** `message` says what was wrong with the bytes or pixels; `hint` how to send something that works. */
  constructor(message: string, hint?: string, cause?: unknown) {
    super("ERR_BAD_INPUT", message, { ...(hint === undefined ? {} : { hint }), ...(cause === undefined ? {} : { cause }) });
  }
}
